/**
 * One class per {@code tako} subcommand ({@code deploy}, {@code logs}, {@code servers}, {@code
 * playground}…), named as the user types it; options are documented in their annotations. Commands
 * parse and render; the work lives in the packages they call. May use everything in {@code cli} and
 * {@code protocol}.
 */
package dev.tako.cli.commands;
