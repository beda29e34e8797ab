DELETE FROM eng.projects
  WHERE id = 1;
