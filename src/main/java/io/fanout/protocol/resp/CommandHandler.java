package io.fanout.protocol.resp;

/**
 * Runs one command (or subcommand) whose checks {@link RespSession} has passed: arity,
 * authentication, subscribed mode. Each {@link CommandSpec} in {@link CommandTable} carries
 * its handler, so a command is looked up by name once and never dispatched by name again.
 *
 * <p>Handlers are method references or non-capturing lambdas made once when the table is
 * built: running one allocates nothing of its own (PUBLISH stays allocation-free). They run
 * on the session's loop thread and write their replies to {@code out}.
 */
@FunctionalInterface
interface CommandHandler {
    void run(RespSession session, CommandSpec spec, RespArgs args, RespWriter out);
}
