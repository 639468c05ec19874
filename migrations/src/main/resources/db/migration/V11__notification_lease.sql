-- Deliveries are claimed with a lease instead of row locks held over the network (docs/alerting.md,
-- "Notifications"): an instance claims a due notification in a short statement, which moves
-- next_attempt_at to the end of its lease; sends it with no transaction open; and records the outcome
-- in another short transaction, only while its claim still stands. An instance that dies after its
-- claim leaves the notification due again when the lease ends; another instance then sends it, with
-- the same delivery id (the receivers' idempotency key).
ALTER TABLE notification
    -- the instance of the latest claim (kept after it, for the record)
    ADD COLUMN claimed_by  varchar(200),
    -- identifies one claim, so the outcome of an expired claim cannot overwrite a newer one
    ADD COLUMN claim_token uuid;
