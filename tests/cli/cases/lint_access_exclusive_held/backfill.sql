SET lock_timeout = '5s';
ALTER TABLE app.users ADD COLUMN plan text;
ALTER TABLE app.accounts ADD COLUMN plan text;
COMMENT ON COLUMN app.users.plan IS 'billing plan';
UPDATE app.users SET plan = 'free' WHERE plan IS NULL;
