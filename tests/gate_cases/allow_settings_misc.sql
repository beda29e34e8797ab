-- role: codex_staging
-- expect: none
-- ordinary session settings
SET TIME ZONE 'UTC'; SET work_mem = '64MB'; SET datestyle TO ISO, YMD; SHOW work_mem; RESET work_mem; SET search_path TO eng;
