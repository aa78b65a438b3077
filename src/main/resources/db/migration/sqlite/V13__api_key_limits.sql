-- Per-key sending limits (API keys, both doors): a key may send fewer messages per minute and per
-- day than its account. NULL is no limit of the key's own; the account's rates and quotas apply
-- either way (policy.RateRule), so a key only ever narrows its account.
--
-- Same conventions as V9; written and read by dev.hikyaku.store.ApiKeys. A limit is at least 1:
-- 0 would be a revoked key by another name. Version 13 because 11 and 12 are taken by changes made
-- alongside this one.

ALTER TABLE api_key ADD COLUMN messages_per_minute INTEGER CHECK (messages_per_minute >= 1);  -- NULL: the account's rate only
ALTER TABLE api_key ADD COLUMN messages_per_day    INTEGER CHECK (messages_per_day >= 1);     -- NULL: the account's quota only
