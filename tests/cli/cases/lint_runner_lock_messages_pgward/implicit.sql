SET lock_timeout = '5s';
SET statement_timeout = '5min';
ALTER TABLE public.t ADD COLUMN IF NOT EXISTS c bigint;
UPDATE public.t SET c = 1 WHERE c IS NULL;
ALTER TABLE public.t ALTER COLUMN c SET DEFAULT 0;
CREATE INDEX IF NOT EXISTS u_c ON public.u (c);
ALTER TABLE public.u ADD COLUMN IF NOT EXISTS d bigint;
