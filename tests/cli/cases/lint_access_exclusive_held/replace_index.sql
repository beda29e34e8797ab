SET lock_timeout = '5s';
DROP INDEX app.users_email_idx;
CREATE INDEX users_email_idx ON app.users (lower(email));
