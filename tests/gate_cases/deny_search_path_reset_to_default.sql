-- role: codex_staging
-- expect: unproven
-- RESET search_path returns to the role's or the database's default (ALTER ROLE ...
-- SET search_path), which only the catalog knows
SET search_path TO eng;
RESET search_path;
