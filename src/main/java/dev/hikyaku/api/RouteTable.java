package dev.hikyaku.api;

import io.helidon.http.HeaderNames;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every route of the API, and the one way a request with a known caller reaches them, whether it
 * came over the wire ({@link ApiServer}) or from the console ({@link LocalApi}): no route for the
 * path 404; routes for the path but not the method 405 with their {@code Allow}; a caller without
 * the route's scope 403 {@code insufficient_scope}, one who is no operator at an operators' route
 * 403; else the route's handler answers.
 */
final class RouteTable {

  private static final String CHALLENGE = "Bearer realm=\"hikyaku\"";

  private final List<Route> routes;

  RouteTable(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  /** The routes the app's backends serve, in no particular order: a path and method select at most one. */
  static RouteTable of(Backends backends) {
    return new RouteTable(ApiServer.routes(backends));
  }

  List<Route> routes() {
    return routes;
  }

  Answer dispatch(String method, Exchange exchange, ApiKeyCheck.Caller caller) {
    // HEAD is GET without the body (RFC 9110 §9.3.2); the web server leaves the body out.
    String routeMethod = method.equals("HEAD") ? "GET" : method;
    Set<String> allowed = new LinkedHashSet<>();
    for (Route route : routes) {
      // Matched as sent: a route decodes each segment itself, so an encoded "/" stays in its segment.
      Optional<Map<String, String>> parameters = route.match(exchange.rawPath());
      if (parameters.isEmpty()) {
        continue;
      }
      if (!route.method().equals(routeMethod)) {
        allowed.add(route.method());
        continue;
      }
      if (!caller.hasScope(route.scope())) {
        String scope = route.scope().configName();
        return new Answer.Failure(
            Problems.insufficientScope(scope),
            Map.of(HeaderNames.WWW_AUTHENTICATE.defaultCase(), CHALLENGE + ", error=\"insufficient_scope\", scope=\"" + scope + "\""));
      }
      if (route.audience() == Route.Audience.OPERATOR && !caller.operator()) {
        return new Answer.Failure(Problems.operatorsOnly());
      }
      try {
        return route.handler().handle(new ApiRequest(exchange, caller, parameters.get()));
      } catch (Refusal refusal) {
        return refusal.answer();
      }
    }
    if (!allowed.isEmpty()) {
      if (allowed.contains("GET")) {
        allowed.add("HEAD");
      }
      return new Answer.Failure(
          Problems.methodNotAllowed(method, List.copyOf(allowed)), Map.of(HeaderNames.ALLOW.defaultCase(), String.join(", ", allowed)));
    }
    return new Answer.Failure(Problems.notFound(exchange.path()));
  }
}
