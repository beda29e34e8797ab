-- +goose Up
-- +goose NO TRANSACTION
SET lock_timeout = '5s';
VACUUM t;
