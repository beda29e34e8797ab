VACUUM eng.notes;
