-- as pg_dump 17.6 / 16.10 / 15.14 and later write a dump
\restrict r5FkQnnSf4dx0DnNbIfgXvwRymGo5APuUxghjmKAnQxXY6zix6YQly15FmxOckF

SET client_encoding = 'UTF8';
CREATE TABLE IF NOT EXISTS public.t (id bigint PRIMARY KEY);

\unrestrict r5FkQnnSf4dx0DnNbIfgXvwRymGo5APuUxghjmKAnQxXY6zix6YQly15FmxOckF
