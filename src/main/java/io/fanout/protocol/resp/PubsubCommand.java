package io.fanout.protocol.resp;

import java.util.List;

import io.fanout.broker.Broker;
import io.fanout.broker.TopicKind;
import io.fanout.broker.TopicName;

/**
 * PUBSUB and its subcommands (CHANNELS, NUMSUB, NUMPAT, SHARDCHANNELS, SHARDNUMSUB, HELP),
 * answered from the broker's directory with Redis's replies and errors. Stateless; runs on
 * the calling session's loop thread.
 */
final class PubsubCommand {
    private PubsubCommand() {
    }

    static void run(Broker broker, String sub, RespArgs args, RespWriter out) {
        int argc = args.count();
        switch (sub) {
            case "channels", "shardchannels" -> {
                if (argc > 3) {
                    subcommandSyntaxError(args, out);
                    return;
                }
                TopicKind kind = sub.equals("channels") ? TopicKind.CHANNEL : TopicKind.SHARD;
                List<TopicName> topics = broker.topics(kind, argc == 3 ? args.copy(2) : null);
                out.arrayHeader(topics.size());
                for (TopicName t : topics) {
                    out.bulk(t.bytes());
                }
            }
            case "numsub", "shardnumsub" -> {
                TopicKind kind = sub.equals("numsub") ? TopicKind.CHANNEL : TopicKind.SHARD;
                out.arrayHeader((argc - 2) * 2);
                for (int i = 2; i < argc; i++) {
                    byte[] ch = args.copy(i);
                    out.bulk(ch).integer(broker.subscriberCount(kind, new TopicName(ch)));
                }
            }
            case "numpat" -> out.integer(broker.patternCount());
            case "help" -> CommandReplies.help(out, "PUBSUB", new String[] {
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
            default -> subcommandSyntaxError(args, out);
        }
    }

    /** Redis quotes the subcommand as the client typed it (argv[1]), clipped to 128 bytes. */
    private static void subcommandSyntaxError(RespArgs args, RespWriter out) {
        RespSession.errorLatin1(out, "ERR unknown subcommand or wrong number of arguments for '"
                + RespSession.cArg(args, 1, 128) + "'. Try PUBSUB HELP.");
    }
}
