CREATE TABLE "directory_names" (
	"kind" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"manager_id" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "directory_names_kind_id_pk" PRIMARY KEY("kind","id")
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "agent_names" jsonb;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "wrap_ups" jsonb;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "ani" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "dnis" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "start_time" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "end_time" text;