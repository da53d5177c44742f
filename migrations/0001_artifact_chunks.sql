-- Artifact bodies move into chunks: an artifact is megabytes, a D1 statement at most 100 KB.
-- Written by hand from drizzle-kit's output (it cannot add NOT NULL columns to a filled table);
-- existing versions keep their JSON as a single chunk.
CREATE TABLE `router_artifact_chunks` (
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`seq` integer NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`name`, `version`, `seq`)
);
--> statement-breakpoint
INSERT INTO `router_artifact_chunks` (`name`, `version`, `seq`, `body`) SELECT `name`, `version`, 0, `json` FROM `router_artifacts`;--> statement-breakpoint
ALTER TABLE `router_artifacts` ADD `chunks` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `router_artifacts` ADD `bytes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `router_artifacts` SET `bytes` = length(CAST(`json` AS BLOB));--> statement-breakpoint
ALTER TABLE `router_artifacts` ADD `feedback_through` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `router_artifacts` DROP COLUMN `json`;
