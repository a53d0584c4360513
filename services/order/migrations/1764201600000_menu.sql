-- Up Migration
-- The menu: drinks, and the option groups (size, milk, extras) they share.
CREATE TABLE menu_items (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  description text NOT NULL DEFAULT '',
  category    text NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  available   boolean NOT NULL DEFAULT true,
  position    integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE option_groups (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]+$'),
  name        text NOT NULL,
  min_choices integer NOT NULL CHECK (min_choices >= 0),
  max_choices integer NOT NULL CHECK (max_choices >= 1 AND max_choices >= min_choices)
);

CREATE TABLE options (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  option_group_id   uuid NOT NULL REFERENCES option_groups (id) ON DELETE CASCADE,
  slug              text NOT NULL CHECK (slug ~ '^[a-z0-9-]+$'),
  name              text NOT NULL,
  price_delta_cents integer NOT NULL DEFAULT 0,
  is_default        boolean NOT NULL DEFAULT false,
  position          integer NOT NULL DEFAULT 0,
  UNIQUE (option_group_id, slug)
);

CREATE TABLE menu_item_option_groups (
  menu_item_id    uuid NOT NULL REFERENCES menu_items (id) ON DELETE CASCADE,
  option_group_id uuid NOT NULL REFERENCES option_groups (id) ON DELETE RESTRICT,
  position        integer NOT NULL DEFAULT 0,
  PRIMARY KEY (menu_item_id, option_group_id)
);

CREATE INDEX options_by_group ON options (option_group_id, position);

-- Down Migration
DROP TABLE menu_item_option_groups;
DROP TABLE options;
DROP TABLE option_groups;
DROP TABLE menu_items;
