-- role: eng_service
-- expect: transaction-control
-- a COMMIT would end apply's transaction half way through the file (END is COMMIT)
UPDATE eng.projects SET name = trim(name);
END;
