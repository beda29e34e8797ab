-- golang-migrate's down file: undoing 000042's up is its purpose
SET lock_timeout = '5s';
ALTER TABLE app.orders DROP COLUMN note;
ALTER TABLE app.orders RENAME COLUMN placed TO created_at;
DROP TABLE app.order_lines CASCADE;
