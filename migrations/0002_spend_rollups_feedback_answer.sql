-- Spend per key and policy outlives retention (daily_route_rollups); feedback takes the right answer,
-- and one rating per route and key counts: earlier duplicate ratings are dropped, the latest kept
-- (the dedupe is added by hand to drizzle-kit's output).
CREATE TABLE `daily_route_rollups` (
	`day` text NOT NULL,
	`policy` text NOT NULL,
	`api_key_id` text NOT NULL,
	`requests` integer NOT NULL,
	`errors` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`cost_usd` real NOT NULL,
	`latency_ms_sum` real NOT NULL,
	PRIMARY KEY(`day`, `policy`, `api_key_id`)
);
--> statement-breakpoint
DROP INDEX `feedback_route_idx`;--> statement-breakpoint
ALTER TABLE `feedback` ADD `answer` text;--> statement-breakpoint
CREATE INDEX `feedback_route_idx` ON `feedback` (`route_id`,`api_key_id`);--> statement-breakpoint
DELETE FROM `feedback` WHERE `id` NOT IN (SELECT max(`id`) FROM `feedback` GROUP BY `route_id`, coalesce(`api_key_id`, ''));
