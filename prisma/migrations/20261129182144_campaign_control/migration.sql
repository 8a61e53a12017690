-- CreateEnum
CREATE TYPE "failure_action" AS ENUM ('pause', 'cancel');

-- CreateEnum
CREATE TYPE "threshold_basis" AS ENUM ('target', 'reached');

-- CreateEnum
CREATE TYPE "boot_health" AS ENUM ('healthy', 'unhealthy');

-- AlterEnum (positions written by hand: the enum order is the order states advance in, see
-- docs/decisions/0340; Prisma appends). New values are not used in this migration, which
-- PostgreSQL forbids in the transaction that adds them.
ALTER TYPE "wave_state" ADD VALUE 'awaiting_approval' BEFORE 'running';
ALTER TYPE "delivery_state" ADD VALUE 'verifying' BEFORE 'installed';
ALTER TYPE "delivery_state" ADD VALUE 'timed_out' AFTER 'failed';

-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "auto_retry_backoff_s" INTEGER,
ADD COLUMN     "auto_retry_max_attempts" INTEGER,
ADD COLUMN     "auto_retry_states" "delivery_state"[],
ADD COLUMN     "boot_observation_s" INTEGER,
ADD COLUMN     "dynamic" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "dynamic_through" TIMESTAMPTZ(3),
ADD COLUMN     "ended_reason" TEXT,
ADD COLUMN     "in_progress_timeout_s" INTEGER,
ADD COLUMN     "on_failure_threshold" "failure_action" NOT NULL DEFAULT 'pause',
ADD COLUMN     "ramp_factor" DOUBLE PRECISION,
ADD COLUMN     "ramp_initial_per_minute" INTEGER,
ADD COLUMN     "ramp_step_s" INTEGER,
ADD COLUMN     "ramp_step_successes" INTEGER,
ADD COLUMN     "rate_per_minute" INTEGER,
ADD COLUMN     "threshold_basis" "threshold_basis" NOT NULL DEFAULT 'target';

-- AlterTable
ALTER TABLE "campaign_waves" ADD COLUMN     "approved_at" TIMESTAMPTZ(3),
ADD COLUMN     "approved_by" TEXT,
ADD COLUMN     "requires_approval" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable (by hand: `attempts` counted publishes and keeps its values under its new name;
-- Prisma would drop and re-add it). Constant defaults and a rename rewrite no rows.
ALTER TABLE "deliveries" RENAME COLUMN "attempts" TO "publishes";
ALTER TABLE "deliveries" ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "timed_out_at" TIMESTAMPTZ(3),
ADD COLUMN     "verifying_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "regions" (
    "id" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL DEFAULT 'UTC',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "regions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vehicle_status" (
    "vehicle_id" TEXT NOT NULL,
    "reported_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "software_version" TEXT,
    "boot_health" "boot_health",
    "booted_at" TIMESTAMPTZ(3),
    "healthy_since" TIMESTAMPTZ(3),

    CONSTRAINT "vehicle_status_pkey" PRIMARY KEY ("vehicle_id")
);

-- CreateTable
CREATE TABLE "vehicle_components" (
    "vehicle_id" TEXT NOT NULL,
    "component" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "reported_at" TIMESTAMPTZ(3) NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vehicle_components_pkey" PRIMARY KEY ("vehicle_id","component")
);

-- CreateTable
CREATE TABLE "campaign_windows" (
    "campaign_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "days" SMALLINT[] NOT NULL,
    "start_minute" SMALLINT NOT NULL,
    "end_minute" SMALLINT NOT NULL,

    CONSTRAINT "campaign_windows_pkey" PRIMARY KEY ("campaign_id","index")
);

-- CreateTable
CREATE TABLE "completion_estimates" (
    "campaign_id" UUID NOT NULL,
    "wave" INTEGER NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "success_at" TIMESTAMPTZ(3),
    "complete_at" TIMESTAMPTZ(3),
    "method" TEXT NOT NULL,
    "basis" JSONB NOT NULL,

    CONSTRAINT "completion_estimates_pkey" PRIMARY KEY ("campaign_id","wave")
);

-- CreateTable
CREATE TABLE "delivery_attempts" (
    "delivery_id" BIGINT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "campaign_id" UUID NOT NULL,
    "vehicle_id" TEXT NOT NULL,
    "notice_id" UUID NOT NULL,
    "state" "delivery_state" NOT NULL,
    "last_error" TEXT,
    "publishes" INTEGER NOT NULL,
    "broker_id" TEXT,
    "ended_at" TIMESTAMPTZ(3) NOT NULL,
    "retried_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retried_by" TEXT NOT NULL,

    CONSTRAINT "delivery_attempts_pkey" PRIMARY KEY ("delivery_id","attempt")
);

-- CreateIndex
CREATE INDEX "vehicle_components_component_version_vehicle_id_idx" ON "vehicle_components"("component", "version", "vehicle_id");

-- CreateIndex
CREATE UNIQUE INDEX "delivery_attempts_notice_id_key" ON "delivery_attempts"("notice_id");

-- CreateIndex
CREATE INDEX "delivery_attempts_campaign_id_delivery_id_idx" ON "delivery_attempts"("campaign_id", "delivery_id");

-- CreateIndex
CREATE INDEX "delivery_attempts_vehicle_id_idx" ON "delivery_attempts"("vehicle_id");

-- CreateIndex
CREATE INDEX "vehicles_updated_at_idx" ON "vehicles"("updated_at");

-- AddForeignKey
ALTER TABLE "vehicle_status" ADD CONSTRAINT "vehicle_status_vehicle_id_fkey" FOREIGN KEY ("vehicle_id") REFERENCES "vehicles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vehicle_components" ADD CONSTRAINT "vehicle_components_vehicle_id_fkey" FOREIGN KEY ("vehicle_id") REFERENCES "vehicles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_windows" ADD CONSTRAINT "campaign_windows_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "completion_estimates" ADD CONSTRAINT "completion_estimates_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "delivery_attempts" ADD CONSTRAINT "delivery_attempts_vehicle_id_fkey" FOREIGN KEY ("vehicle_id") REFERENCES "vehicles"("id") ON DELETE CASCADE ON UPDATE CASCADE;
