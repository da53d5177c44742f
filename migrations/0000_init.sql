CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`allowed_policies` text,
	`allowed_experts` text,
	`daily_budget_usd` real,
	`monthly_budget_usd` real,
	`rpm_limit` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `daily_rollups` (
	`day` text NOT NULL,
	`policy` text NOT NULL,
	`expert_id` text NOT NULL,
	`calls` integer NOT NULL,
	`errors` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`cost_usd` real NOT NULL,
	`latency_ms_sum` real NOT NULL,
	PRIMARY KEY(`day`, `policy`, `expert_id`)
);
--> statement-breakpoint
CREATE TABLE `experts` (
	`id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`model` text NOT NULL,
	`endpoint_url` text,
	`api_key_secret` text,
	`input_price_per_mtok` real DEFAULT 0 NOT NULL,
	`output_price_per_mtok` real DEFAULT 0 NOT NULL,
	`skills` text DEFAULT '[]' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `feedback` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`route_id` text NOT NULL,
	`api_key_id` text,
	`score` real NOT NULL,
	`comment` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`route_id`) REFERENCES `routes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `feedback_route_idx` ON `feedback` (`route_id`);--> statement-breakpoint
CREATE TABLE `policies` (
	`name` text PRIMARY KEY NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`config` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `route_calls` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`route_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expert_id` text NOT NULL,
	`role` text NOT NULL,
	`stage` integer NOT NULL,
	`status` text NOT NULL,
	`latency_ms` real NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 1 NOT NULL,
	`response` text,
	`error_message` text,
	`error_source` text,
	`upstream_status` integer,
	FOREIGN KEY (`route_id`) REFERENCES `routes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `route_calls_route_idx` ON `route_calls` (`route_id`);--> statement-breakpoint
CREATE INDEX `route_calls_expert_idx` ON `route_calls` (`expert_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `router_artifacts` (
	`name` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`json` text NOT NULL,
	PRIMARY KEY(`name`, `version`)
);
--> statement-breakpoint
CREATE TABLE `routes` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`api_key_id` text,
	`model` text NOT NULL,
	`policy` text NOT NULL,
	`strategy` text NOT NULL,
	`aggregation` text NOT NULL,
	`policy_json` text NOT NULL,
	`prompt` text NOT NULL,
	`messages_json` text NOT NULL,
	`response` text,
	`stream` integer NOT NULL,
	`status` text NOT NULL,
	`http_status` integer NOT NULL,
	`error_code` text,
	`error_message` text,
	`error_source` text,
	`latency_ms` real NOT NULL,
	`ttft_ms` real,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`decision_json` text,
	`aggregation_json` text
);
--> statement-breakpoint
CREATE INDEX `routes_created_idx` ON `routes` (`created_at`);--> statement-breakpoint
CREATE INDEX `routes_policy_idx` ON `routes` (`policy`,`created_at`);--> statement-breakpoint
CREATE INDEX `routes_key_idx` ON `routes` (`api_key_id`,`created_at`);