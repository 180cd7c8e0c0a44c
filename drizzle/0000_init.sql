CREATE TABLE "batches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"process_date" text NOT NULL,
	"job_id" text,
	"status" text NOT NULL,
	"items" integer NOT NULL,
	"submissions" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"conversation_id" text PRIMARY KEY NOT NULL,
	"process_date" text NOT NULL,
	"queue_id" text NOT NULL,
	"queue_ids" jsonb NOT NULL,
	"agent_user_ids" jsonb NOT NULL,
	"conversation_start" text NOT NULL,
	"conversation_end" text,
	"duration_ms" bigint,
	"direction" text,
	"state" text NOT NULL,
	"recorded" boolean NOT NULL,
	"looked_up" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"process_date" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"outcome" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"http_status" integer,
	"error" text,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"conversation_id" text NOT NULL,
	"recording_id" text NOT NULL,
	"process_date" text NOT NULL,
	"media" text,
	"file_state" text,
	"state" text NOT NULL,
	"reason" text,
	"batch_id" bigint,
	"attempts" integer DEFAULT 0 NOT NULL,
	"file" text,
	"bytes" bigint,
	"sha256" text,
	"content_type" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recordings_conversation_id_recording_id_pk" PRIMARY KEY("conversation_id","recording_id")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"process_date" text NOT NULL,
	"queue_id" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_conversation_id_conversations_conversation_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("conversation_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "batches_job_uq" ON "batches" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "batches_date_status_idx" ON "batches" USING btree ("process_date","status");--> statement-breakpoint
CREATE INDEX "conversations_date_idx" ON "conversations" USING btree ("process_date","state");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_dedupe_uq" ON "notifications" USING btree ("process_date","dedupe_key");--> statement-breakpoint
CREATE INDEX "recordings_date_state_idx" ON "recordings" USING btree ("process_date","state");--> statement-breakpoint
CREATE INDEX "recordings_batch_idx" ON "recordings" USING btree ("batch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_date_queue_uq" ON "runs" USING btree ("process_date","queue_id");--> statement-breakpoint
CREATE INDEX "runs_status_idx" ON "runs" USING btree ("status");