-- Up Migration

-- A product that leaves the catalogue (a new data/products.json without it, see seedProducts)
-- leaves every cart holding it: no cart line outlives its product, so none is charged. Orders
-- keep their own copy of their lines (order_items has no foreign key to products).
ALTER TABLE cart_items DROP CONSTRAINT cart_items_product_id_fkey;
ALTER TABLE cart_items ADD CONSTRAINT cart_items_product_id_fkey
  FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE;

-- Down Migration
ALTER TABLE cart_items DROP CONSTRAINT cart_items_product_id_fkey;
ALTER TABLE cart_items ADD CONSTRAINT cart_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id);
