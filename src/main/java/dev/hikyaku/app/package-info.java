/**
 * Start-up and wiring: {@link dev.hikyaku.app.Main} parses the command line, {@link
 * dev.hikyaku.app.Server} builds every part by hand from the config (no DI container) and owns the
 * lifecycle: bind, serve, drain on shutdown, close the store last so nothing accepted is lost.
 * {@code Server.start} reads as the start order; one wiring class per subsystem builds the parts
 * ({@code EventWiring}, {@code DeliveryWiring}, {@code DefenceWiring}, {@code SessionWiring},
 * {@code HttpWiring}), and what is opened goes onto one {@code Resources} stack, closed in reverse
 * on a failed start and at stop.
 * The seams other packages stand on are backed here by the store ({@code ApiAccess}, {@code
 * ApiSuppressions}, {@code StoreSuppressions}, ...), and the event sinks that write to it ({@code
 * EventFeedSink}) are closed before it.
 */
package dev.hikyaku.app;
