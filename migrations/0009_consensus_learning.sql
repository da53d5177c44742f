CREATE TABLE `consensus_learned` (
	`route_id` text PRIMARY KEY NOT NULL,
	`learned_at` integer NOT NULL,
	FOREIGN KEY (`route_id`) REFERENCES `routes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `router_artifacts` ADD `consensus_through` integer DEFAULT 0 NOT NULL;