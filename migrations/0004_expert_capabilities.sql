ALTER TABLE `experts` ADD `capabilities` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `experts` ADD `task` text DEFAULT 'chat' NOT NULL;