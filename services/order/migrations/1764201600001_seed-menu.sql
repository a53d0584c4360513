-- Up Migration
-- A real café's menu to start from; admins change it through the API afterwards.
-- Prices in euro cents, each for the item with every group at its default choice.
INSERT INTO option_groups (slug, name, min_choices, max_choices) VALUES
  ('size',   'Size',   1, 1),
  ('shots',  'Shots',  1, 1),
  ('milk',   'Milk',   1, 1),
  ('extras', 'Extras', 0, 3);

INSERT INTO options (option_group_id, slug, name, price_delta_cents, is_default, position)
SELECT g.id, o.slug, o.name, o.delta, o.is_default, o.position
FROM (VALUES
  ('size',   'small',        'Small (240 ml)',   -40, false, 1),
  ('size',   'regular',      'Regular (350 ml)',   0, true,  2),
  ('size',   'large',        'Large (470 ml)',    60, false, 3),
  ('shots',  'single',       'Single',             0, true,  1),
  ('shots',  'double',       'Double',            80, false, 2),
  ('milk',   'whole',        'Whole milk',         0, true,  1),
  ('milk',   'semi-skimmed', 'Semi-skimmed milk',  0, false, 2),
  ('milk',   'oat',          'Oat milk',          50, false, 3),
  ('milk',   'soy',          'Soy milk',          40, false, 4),
  ('milk',   'almond',       'Almond milk',       50, false, 5),
  ('extras', 'extra-shot',   'Extra shot',        80, false, 1),
  ('extras', 'vanilla',      'Vanilla syrup',     50, false, 2),
  ('extras', 'caramel',      'Caramel syrup',     50, false, 3),
  ('extras', 'whipped-cream','Whipped cream',     40, false, 4)
) AS o(group_slug, slug, name, delta, is_default, position)
JOIN option_groups g ON g.slug = o.group_slug;

INSERT INTO menu_items (slug, name, description, category, price_cents, position) VALUES
  ('espresso',      'Espresso',        'A short, intense shot of our house blend.',                 'Espresso drinks', 250,  1),
  ('americano',     'Americano',       'Espresso lengthened with hot water.',                       'Espresso drinks', 300,  2),
  ('cortado',       'Cortado',         'Espresso cut with an equal part of warm milk.',             'Espresso drinks', 360,  3),
  ('cappuccino',    'Cappuccino',      'Espresso, steamed milk and a deep layer of foam.',          'Espresso drinks', 380,  4),
  ('flat-white',    'Flat white',      'A double ristretto with velvety microfoam.',                'Espresso drinks', 400,  5),
  ('latte',         'Caffè latte',     'Espresso with plenty of steamed milk.',                     'Espresso drinks', 400,  6),
  ('mocha',         'Mocha',           'Espresso, dark chocolate and steamed milk.',                'Espresso drinks', 440,  7),
  ('iced-latte',    'Iced latte',      'Espresso poured over cold milk and ice.',                   'Cold drinks',     430,  8),
  ('cold-brew',     'Cold brew',       'Steeped for 16 hours, served over ice.',                    'Cold drinks',     400,  9),
  ('chai-latte',    'Chai latte',      'Spiced black tea with steamed milk.',                       'Tea and more',    420, 10),
  ('matcha-latte',  'Matcha latte',    'Ceremonial-grade matcha whisked into steamed milk.',        'Tea and more',    450, 11),
  ('breakfast-tea', 'Breakfast tea',   'A strong black tea, with milk on the side if you like.',    'Tea and more',    280, 12),
  ('hot-chocolate', 'Hot chocolate',   'Dark chocolate melted into steamed milk.',                  'Tea and more',    380, 13);

INSERT INTO menu_item_option_groups (menu_item_id, option_group_id, position)
SELECT i.id, g.id, a.position
FROM (VALUES
  ('espresso', 'shots', 1), ('espresso', 'extras', 2),
  ('americano', 'size', 1), ('americano', 'shots', 2), ('americano', 'extras', 3),
  ('cortado', 'milk', 1),
  ('cappuccino', 'size', 1), ('cappuccino', 'milk', 2), ('cappuccino', 'extras', 3),
  ('flat-white', 'milk', 1), ('flat-white', 'extras', 2),
  ('latte', 'size', 1), ('latte', 'milk', 2), ('latte', 'extras', 3),
  ('mocha', 'size', 1), ('mocha', 'milk', 2), ('mocha', 'extras', 3),
  ('iced-latte', 'size', 1), ('iced-latte', 'milk', 2), ('iced-latte', 'extras', 3),
  ('cold-brew', 'size', 1), ('cold-brew', 'extras', 2),
  ('chai-latte', 'size', 1), ('chai-latte', 'milk', 2),
  ('matcha-latte', 'size', 1), ('matcha-latte', 'milk', 2),
  ('breakfast-tea', 'size', 1), ('breakfast-tea', 'milk', 2),
  ('hot-chocolate', 'size', 1), ('hot-chocolate', 'milk', 2), ('hot-chocolate', 'extras', 3)
) AS a(item_slug, group_slug, position)
JOIN menu_items i ON i.slug = a.item_slug
JOIN option_groups g ON g.slug = a.group_slug;

-- Down Migration
DELETE FROM menu_item_option_groups;
DELETE FROM menu_items;
DELETE FROM options;
DELETE FROM option_groups;
