package io.fanout.protocol.resp;

/**
 * MULTI, EXEC, DISCARD, WATCH and UNWATCH: the {@link CommandHandler}s of transactions.
 * Stateless; the queue is the {@link RespSession}'s {@link Transaction}. Loop thread only.
 *
 * <p>Redis 7.0's rules (multi.c and processCommand): between MULTI and EXEC every command
 * that passes the session's checks is queued and answered +QUEUED, except MULTI, EXEC,
 * DISCARD, WATCH, QUIT and RESET, which run at once ({@link #runsInsideMulti}). A command
 * rejected by those checks (unknown, wrong arity, NOAUTH, RESP2 subscribed mode) fails the
 * transaction: EXEC then answers EXECABORT and runs nothing. EXEC runs the queue without
 * those checks again, as Redis's call() does, and answers an array of the commands' replies.
 * fanout has no keys, so WATCH has nothing to watch and EXEC never answers the null array of
 * a touched key.
 *
 * <pre>
 *   no transaction --MULTI--&gt; queueing --EXEC | DISCARD | RESET | close--&gt; no transaction
 *                              |  a rejected command: failed (EXEC answers EXECABORT)
 * </pre>
 */
final class TransactionCommands {
    private static final CommandSpec EXEC = CommandTable.lookup("exec");

    private TransactionCommands() {
    }

    /**
     * Redis's rejectCommand: fails a transaction in progress; an EXEC that is itself rejected
     * discards the transaction and says why in an EXECABORT error (Redis drops "ERR ").
     */
    static void reject(RespSession s, CommandSpec spec, String error, RespWriter out) {
        s.failTransaction();
        if (spec == EXEC) {
            s.endTransaction();
            out.error("EXECABORT Transaction discarded because of: " + (error.startsWith("ERR ")
                    ? error.substring(4) : error));
        } else {
            out.error(error);
        }
    }

    /** Between MULTI and EXEC: keeps a private copy of the command, or fails the transaction. */
    static void queue(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        Transaction t = s.transaction();
        String refused = t.tryQueue(spec, args);
        if (refused != null) {
            t.markFailed();
            out.error(refused);
            return;
        }
        out.simple("QUEUED");
    }

    /** The commands that run at once between MULTI and EXEC instead of being queued. */
    static boolean runsInsideMulti(CommandSpec spec) {
        if (spec.parent() != null) {
            return false;
        }
        return switch (spec.name()) {
            case "multi", "exec", "discard", "watch", "reset", "quit" -> true;
            default -> false;
        };
    }

    static void multi(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        if (s.transaction() != null) {
            out.error("ERR MULTI calls can not be nested");
            return;
        }
        RespProtocol p = s.protocol();
        s.setTransaction(new Transaction(p.maxTransactionBytes, p.maxAllTransactionsBytes, p.transactionBytes));
        out.simple("OK");
    }

    static void discard(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        if (s.transaction() == null) {
            out.error("ERR DISCARD without MULTI");
            return;
        }
        s.endTransaction();
        out.simple("OK");
    }

    static void watch(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        if (s.transaction() != null) {
            out.error("ERR WATCH inside MULTI is not allowed"); // does not fail the transaction
            return;
        }
        out.simple("OK"); // fanout has no keys: nothing can change, EXEC always runs
    }

    static void unwatch(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        out.simple("OK"); // nothing is watched: fanout has no keys
    }

    /**
     * Runs the queue in order. A message this client publishes to a channel it is subscribed
     * to is queued between the replies, where Redis puts it too (Redis writes each reply as the
     * command runs): the replies so far are sent before each such command.
     */
    static void exec(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        Transaction t = s.transaction();
        if (t == null) {
            out.error("ERR EXEC without MULTI");
            return;
        }
        s.setTransaction(null);
        if (t.failed()) {
            t.release();
            out.error("EXECABORT Transaction discarded because of previous errors.");
            return;
        }
        try {
            out.arrayHeader(t.commands().size());
            for (Transaction.Queued q : t.commands()) {
                if (!s.pubSub().isEmpty()) {
                    s.flushReply();
                }
                q.loadInto(args);
                s.run(q.spec());
            }
        } finally {
            t.release();
        }
    }
}
