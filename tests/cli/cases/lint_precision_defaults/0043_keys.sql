-- what is: an int key, a foreign key to an existing table without lock_timeout
CREATE TABLE app.order_lines (
    id serial PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES app.orders (id),
    product_id integer NOT NULL REFERENCES app.products (id),
    quantity integer NOT NULL
);
