-- not an extension script: these rules stay silent
SELECT label('%s', 1), '1'::int4 FROM settings;
