/** The menu as the order service's domain sees it: plain data, free of any wire format. */
export interface MenuItem {
  id: string;
  slug: string;
  name: string;
  description: string;
  category: string;
  /** With every option group at its default choice. */
  priceCents: number;
  available: boolean;
  optionGroups: OptionGroup[];
}

export interface OptionGroup {
  id: string;
  slug: string;
  name: string;
  minChoices: number;
  maxChoices: number;
  options: Option[];
}

export interface Option {
  id: string;
  slug: string;
  name: string;
  priceDeltaCents: number;
  isDefault: boolean;
}
