-- Full-text search over the routing history's prompts and answers (SQLite FTS5, which D1 supports).
-- Written by hand: drizzle-kit does not model virtual tables or triggers. An external-content index
-- over `routes`, kept in step by triggers, so the history write stays one insert and retention's
-- delete removes a route from the index too.
CREATE VIRTUAL TABLE `routes_fts` USING fts5(`prompt`, `response`, content='routes', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `routes_fts_insert` AFTER INSERT ON `routes` BEGIN
  INSERT INTO `routes_fts` (`rowid`, `prompt`, `response`) VALUES (new.rowid, new.prompt, new.response);
END;
--> statement-breakpoint
CREATE TRIGGER `routes_fts_delete` AFTER DELETE ON `routes` BEGIN
  INSERT INTO `routes_fts` (`routes_fts`, `rowid`, `prompt`, `response`) VALUES ('delete', old.rowid, old.prompt, old.response);
END;
--> statement-breakpoint
CREATE TRIGGER `routes_fts_update` AFTER UPDATE OF `prompt`, `response` ON `routes` BEGIN
  INSERT INTO `routes_fts` (`routes_fts`, `rowid`, `prompt`, `response`) VALUES ('delete', old.rowid, old.prompt, old.response);
  INSERT INTO `routes_fts` (`rowid`, `prompt`, `response`) VALUES (new.rowid, new.prompt, new.response);
END;
--> statement-breakpoint
INSERT INTO `routes_fts` (`routes_fts`) VALUES ('rebuild');
