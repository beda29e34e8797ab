-- a typical migration: none of this is worth a reviewer's comment
CREATE TABLE app.orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL,
    quantity integer NOT NULL,
    note varchar(200),
    placed_at timestamp NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_id_idx ON app.orders (customer_id);
ALTER TABLE app.customers ADD COLUMN IF NOT EXISTS tier text;
ALTER TABLE app.customers ADD COLUMN IF NOT EXISTS since date;
