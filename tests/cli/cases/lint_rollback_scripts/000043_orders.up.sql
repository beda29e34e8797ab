-- the same statements in an up migration are worth a question each
SET lock_timeout = '5s';
ALTER TABLE app.orders DROP COLUMN note;
ALTER TABLE app.orders RENAME COLUMN placed TO created_at;
DROP TABLE app.order_lines CASCADE;
