package io.fanout.protocol.resp;

import java.util.List;

import io.fanout.broker.Broker;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;

/**
 * PUBSUB and its subcommands (CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB, HELP),
 * answered from the broker's directory with Redis's replies and errors. Stateless; each
 * method is the {@link CommandHandler} of one subcommand and runs on the calling session's
 * loop thread.
 */
final class PubsubCommand {
    private PubsubCommand() {
    }

    static void channels(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        topics(s.protocol().broker, TopicKind.CHANNEL, args, out);
    }

    static void shardChannels(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        topics(s.protocol().broker, TopicKind.SHARD, args, out);
    }

    static void numsub(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        subscriberCounts(s.protocol().broker, TopicKind.CHANNEL, args, out);
    }

    static void shardNumsub(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        subscriberCounts(s.protocol().broker, TopicKind.SHARD, args, out);
    }

    static void numpat(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        out.integer(s.protocol().broker.patternCount());
    }

    private static void topics(Broker broker, TopicKind kind, RespArgs args, RespWriter out) {
        int argc = args.count();
        if (argc > 3) {
            subcommandSyntaxError(args, out);
            return;
        }
        List<TopicName> topics = broker.topics(kind, argc == 3 ? args.copy(2) : null);
        out.arrayHeader(topics.size());
        for (TopicName t : topics) {
            out.bulk(t.bytes());
        }
    }

    private static void subscriberCounts(Broker broker, TopicKind kind, RespArgs args, RespWriter out) {
        int argc = args.count();
        out.arrayHeader((argc - 2) * 2);
        for (int i = 2; i < argc; i++) {
            byte[] ch = args.copy(i);
            out.bulk(ch).integer(broker.subscriberCount(kind, new TopicName(ch)));
        }
    }

    static void help(RespSession s, CommandSpec spec, RespArgs args, RespWriter out) {
        CommandReplies.help(out, "PUBSUB", new String[] {
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)"});
    }

    /** Redis quotes the subcommand as the client typed it (argv[1]), clipped to 128 bytes. */
    private static void subcommandSyntaxError(RespArgs args, RespWriter out) {
        CommandReplies.errorLatin1(out, "ERR unknown subcommand or wrong number of arguments for '"
                + CommandReplies.cArg(args, 1, 128) + "'. Try PUBSUB HELP.");
    }
}
