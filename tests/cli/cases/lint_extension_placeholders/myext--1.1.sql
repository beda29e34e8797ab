CREATE TABLE @extschema@.events (id int PRIMARY KEY, kind char(8));
GRANT SELECT ON @extschema@.events TO @extowner@; ALTER TABLE @extschema@.events ADD COLUMN note char(4);
SELECT @extschema:postgis@.st_makepoint(1, 2)
  FROM @extschema@.events WHERE kind = 'x' AND  1 = ;
