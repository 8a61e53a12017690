-- CreateIndex
CREATE INDEX "audit_log_actor_at_id_idx" ON "audit_log"("actor", "at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_log_action_at_id_idx" ON "audit_log"("action", "at" DESC, "id" DESC);
