-- DropIndex
DROP INDEX "deliveries_campaign_id_state_id_idx";

-- DropIndex
DROP INDEX "deliveries_vehicle_id_state_idx";

-- DropIndex
DROP INDEX "deliveries_campaign_id_vehicle_id_key";

-- AlterTable
ALTER TABLE "campaigns" ADD COLUMN     "enqueued_through" BIGINT,
ADD COLUMN     "last_delivery_id" BIGINT,
ADD COLUMN     "materialize_cursor" TEXT,
ADD COLUMN     "materialized_at" TIMESTAMPTZ(3) DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "target_size" INTEGER;

-- AlterTable
ALTER TABLE "campaign_waves" ADD COLUMN     "start_hash" INTEGER,
ADD COLUMN     "start_vehicle_id" TEXT;

-- CreateIndex
CREATE INDEX "deliveries_campaign_id_id_idx" ON "deliveries"("campaign_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_vehicle_id_campaign_id_key" ON "deliveries"("vehicle_id", "campaign_id");

-- Written by hand (Prisma's diff does not manage these); see docs/decisions/0306.

-- A predicate on `state` makes `state` an indexed column: its every change would rewrite
-- all index entries. Unacknowledged deliveries per vehicle are found through
-- (vehicle_id, campaign_id) and a filter on the few rows a vehicle has.
DROP INDEX IF EXISTS "deliveries_unacknowledged_by_vehicle";

-- Room on each page for the new version of every row a fan-out batch updates at once, so
-- state changes stay heap-only (HOT). Applies to pages written from now on.
ALTER TABLE "deliveries" SET (fillfactor = 40);

-- Campaigns created before streaming materialization were written when they were created.
UPDATE "campaigns" c SET "materialized_at" = c."created_at",
  "target_size" = (SELECT coalesce(sum(k.count), 0)::int FROM campaign_counters k WHERE k.campaign_id = c.id);
