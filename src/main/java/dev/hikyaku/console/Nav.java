package dev.hikyaku.console;

/**
 * The bar on every signed-in page: who is signed in, the form token its sign-out form carries,
 * whether the pages of the server's operators are shown, and which page this is.
 */
public record Nav(String account, String csrf, boolean operator, String current) {}
