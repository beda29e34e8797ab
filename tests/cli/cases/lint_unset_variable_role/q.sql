SELECT v FROM eng.kv WHERE k = :key;
SELECT v FROM eng.kv WHERE k = :key + 1;
