/**
 * Webhooks: the accounts' event feeds sent to the HTTP endpoints they register, signed per Standard
 * Webhooks 1.0 (https://www.standardwebhooks.com, spec/standard-webhooks.md).
 *
 * <h2>Place in the data flow</h2>
 *
 * <pre>
 * store (the change and its feed entry, one transaction: store.FeedEntries)
 *   ▶ {@link dev.hikyaku.webhooks.Dispatcher}: store.WebhookDeliveries#fanOut (per-endpoint cursor → pending deliveries)
 *       ▶ {@link dev.hikyaku.webhooks.TargetGuard} (resolve, refuse private targets) ▶ {@link dev.hikyaku.webhooks.Signature}
 *       ▶ {@link dev.hikyaku.webhooks.PinnedHttpClient} (POST to the checked address)
 *       ▶ store.WebhookDeliveries#record (delivered | retry at {@link dev.hikyaku.webhooks.RetrySchedule} | failed; endpoint disabled)
 *       ▶ events.Event.WebhookAttempted (metrics, log), events.Event.WebhookDisabled (audit log)
 * api (POST /v1/webhooks/{id}/test), admin CLI (webhook test) ▶ {@link dev.hikyaku.webhooks.Dispatcher#test}
 * </pre>
 *
 * <h2>Invariants</h2>
 *
 * <ul>
 *   <li><b>Never loses an event.</b> Each event is in the feed exactly when its change committed;
 *       fan-out moves an endpoint's cursor and queues its deliveries in one transaction; a delivery
 *       is pending until an attempt is recorded, so a crash sends it again. Every committed event is
 *       delivered to every endpoint that wanted it, or recorded as failed after the schedule.
 *   <li><b>Held while the account is disabled.</b> The store neither fans out to nor hands out the
 *       deliveries of a disabled account's endpoints, so nothing of theirs is sent, retried to the
 *       end of the schedule or failed meanwhile; enabled again, the account gets what it is owed.
 *       A deleted account's endpoints are deleted with it.
 *   <li><b>One id per event.</b> {@code webhook-id} is {@code evt_} and the feed's seq, the event's
 *       {@code id} in {@code GET /v1/events}: the same on every retry, after a crash and on a
 *       replay, so receivers dedupe by it. The body's {@code data} is the object the feed shows.
 *   <li><b>Signed per attempt.</b> {@code webhook-timestamp} is the attempt's time; every secret the
 *       endpoint signs with at that moment (two during a rotation's 24 hours) signs it.
 *   <li><b>Checked address, no second lookup.</b> The host is resolved and checked before every
 *       attempt, and the connection goes to the address checked; https only, unless the endpoint
 *       allows private targets. No redirect is followed; at most 1 KiB of a response is read;
 *       connecting and the response are bounded by 15 s each.
 *   <li><b>No order.</b> Up to {@code api.webhook-concurrency} deliveries (4) to one endpoint run at
 *       once, so events may arrive out of order; the body's {@code timestamp} and the id's seq order them.
 *   <li><b>Times are injected.</b> The retry schedule reads the injected clock; tests move it.
 * </ul>
 *
 * <h2>Must never</h2>
 *
 * <ul>
 *   <li>log or store a secret anywhere but the endpoint's row (the delivery log keeps responses, not
 *       requests);
 *   <li>connect to an address the guard did not check, or follow a redirect;
 *   <li>import {@code api}, {@code session} or {@code app}: the body's shape comes in as {@link
 *       dev.hikyaku.webhooks.Dispatcher.EventBodies}, backed by the API's own renderer.
 * </ul>
 */
package dev.hikyaku.webhooks;
