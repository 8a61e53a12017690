-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "pool_state" AS ENUM ('active', 'draining', 'down');

-- CreateEnum
CREATE TYPE "campaign_status" AS ENUM ('scheduled', 'running', 'paused', 'completed', 'cancelled', 'expired');

-- CreateEnum
CREATE TYPE "wave_state" AS ENUM ('pending', 'running', 'done');

-- CreateEnum
CREATE TYPE "delivery_state" AS ENUM ('pending', 'published', 'parked', 'received', 'downloading', 'installing', 'installed', 'failed', 'rejected', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "api_role" AS ENUM ('viewer', 'operator', 'admin');

-- CreateTable
CREATE TABLE "vehicles" (
    "id" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "software_version" TEXT NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "cert_fingerprint" TEXT,
    "pool_id" TEXT,
    "pinned" BOOLEAN NOT NULL DEFAULT false,
    "last_seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vehicles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "edge_pools" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "weight" INTEGER NOT NULL DEFAULT 100,
    "state" "pool_state" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "edge_pools_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "edge_brokers" (
    "id" TEXT NOT NULL,
    "pool_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "weight" INTEGER NOT NULL DEFAULT 100,
    "state" "pool_state" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "edge_brokers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaigns" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "update_id" TEXT NOT NULL,
    "update_version" TEXT NOT NULL,
    "update_url" TEXT NOT NULL,
    "update_sha256" CHAR(64) NOT NULL,
    "update_size" BIGINT NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "status" "campaign_status" NOT NULL DEFAULT 'scheduled',
    "target" JSONB NOT NULL,
    "start_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "current_wave" INTEGER NOT NULL DEFAULT 0,
    "paused_reason" TEXT,
    "created_by" TEXT NOT NULL,
    "request_id" TEXT,
    "idempotency_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_waves" (
    "campaign_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "percent" DOUBLE PRECISION NOT NULL,
    "success_threshold" DOUBLE PRECISION NOT NULL,
    "failure_threshold" DOUBLE PRECISION NOT NULL,
    "size" INTEGER NOT NULL DEFAULT 0,
    "state" "wave_state" NOT NULL DEFAULT 'pending',
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "campaign_waves_pkey" PRIMARY KEY ("campaign_id","index")
);

-- CreateTable
CREATE TABLE "deliveries" (
    "id" BIGSERIAL NOT NULL,
    "campaign_id" UUID NOT NULL,
    "vehicle_id" TEXT NOT NULL,
    "notice_id" UUID NOT NULL,
    "wave" INTEGER NOT NULL DEFAULT 0,
    "state" "delivery_state" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "broker_id" TEXT,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),
    "parked_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3),
    "downloading_at" TIMESTAMPTZ(3),
    "installing_at" TIMESTAMPTZ(3),
    "installed_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "rejected_at" TIMESTAMPTZ(3),
    "expired_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaign_counters" (
    "campaign_id" UUID NOT NULL,
    "wave" INTEGER NOT NULL,
    "state" "delivery_state" NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "campaign_counters_pkey" PRIMARY KEY ("campaign_id","wave","state")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" CHAR(64) NOT NULL,
    "role" "api_role" NOT NULL,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT,
    "request_id" TEXT,
    "details" JSONB,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "router_policies" (
    "version" SERIAL NOT NULL,
    "document" JSONB NOT NULL,
    "comment" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "router_policies_pkey" PRIMARY KEY ("version")
);

-- CreateIndex
CREATE INDEX "vehicles_model_idx" ON "vehicles"("model");

-- CreateIndex
CREATE INDEX "vehicles_region_idx" ON "vehicles"("region");

-- CreateIndex
CREATE INDEX "vehicles_software_version_idx" ON "vehicles"("software_version");

-- CreateIndex
CREATE INDEX "vehicles_tags_idx" ON "vehicles" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "vehicles_pool_id_idx" ON "vehicles"("pool_id");

-- CreateIndex
CREATE INDEX "edge_brokers_pool_id_idx" ON "edge_brokers"("pool_id");

-- CreateIndex
CREATE INDEX "campaigns_status_priority_idx" ON "campaigns"("status", "priority" DESC);

-- CreateIndex
CREATE INDEX "campaigns_created_at_idx" ON "campaigns"("created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "campaigns_created_by_idempotency_key_key" ON "campaigns"("created_by", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_notice_id_key" ON "deliveries"("notice_id");

-- CreateIndex
CREATE INDEX "deliveries_campaign_id_state_id_idx" ON "deliveries"("campaign_id", "state", "id");

-- CreateIndex
CREATE INDEX "deliveries_vehicle_id_state_idx" ON "deliveries"("vehicle_id", "state");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_campaign_id_vehicle_id_key" ON "deliveries"("campaign_id", "vehicle_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"("hash");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at" DESC);

-- CreateIndex
CREATE INDEX "audit_log_target_type_target_id_idx" ON "audit_log"("target_type", "target_id");

-- AddForeignKey
ALTER TABLE "vehicles" ADD CONSTRAINT "vehicles_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "edge_pools"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "edge_brokers" ADD CONSTRAINT "edge_brokers_pool_id_fkey" FOREIGN KEY ("pool_id") REFERENCES "edge_pools"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_waves" ADD CONSTRAINT "campaign_waves_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_vehicle_id_fkey" FOREIGN KEY ("vehicle_id") REFERENCES "vehicles"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "campaign_counters" ADD CONSTRAINT "campaign_counters_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE CASCADE;
