package io.fanout.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The write queue on its own, against a fake channel that takes N bytes per write: the
 * lesson's "write buffer handles partial writes correctly", without a socket in sight.
 * (jqwik properties are bounded by their try counts; the class timeout covers the rest.)
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WriteQueueTest {
    private static final long UNLIMITED = Long.MAX_VALUE;

    private FramePool pool;
    private WriteQueue queue;
    private final ByteBuffer[] scratch = new ByteBuffer[WriteQueue.MAX_GATHER];

    @BeforeEach
    void setUp() {
        pool = new FramePool(1 << 20);
        queue = new WriteQueue(pool);
    }

    // ---- helpers -----------------------------------------------------------------------

    /** A pooled frame holding {@code content}, with the one reference the queue takes over. */
    private Frame frame(byte[] content) {
        return pool.acquire(content.length).put(content);
    }

    private Frame frame(String content) {
        return frame(ascii(content));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code n} bytes that differ from their neighbours, so a byte out of place shows. */
    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + (i * 7 + seed * 13) % 26);
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    private long flush(FakeChannel ch, long nowNanos) throws IOException {
        return queue.flush(ch, scratch, UNLIMITED, nowNanos);
    }

    private void flushAll(FakeChannel ch) throws IOException {
        for (int guard = 0; !queue.isEmpty(); guard++) {
            assertTrue(guard < 1_000_000, "queue never drained");
            flush(ch, 0);
        }
    }

    // ---- partial writes -----------------------------------------------------------------

    @Test
    void partialWritesResumeAtTheExactNextByte() throws IOException {
        byte[] a = ascii("alpha\n");
        byte[] b = ascii("bravo-charlie\n");
        byte[] c = pattern(3000, 1);
        queue.enqueue(frame(a), 0);
        queue.enqueue(frame(b), 0);
        queue.enqueue(frame(c), 0);
        FakeChannel ch = new FakeChannel(7);

        long pending = queue.pendingBytes();
        while (!queue.isEmpty()) {
            long written = flush(ch, 0);
            assertTrue(written > 0 && written <= 7, "wrote " + written);
            pending -= written;
            assertEquals(pending, queue.pendingBytes(), "pendingBytes must drop by exactly what was written");
        }
        assertArrayEquals(concat(a, b, c), ch.bytes());
        assertEquals(a.length + b.length + c.length, queue.bytesWritten());
    }

    @Test
    void aFullSendBufferWritesNothingAndKeepsTheWholeBacklog() throws IOException {
        Frame f = frame("hello\n");
        queue.enqueue(f, 100);
        FakeChannel full = new FakeChannel(0);

        assertEquals(0, flush(full, 200));

        assertEquals(6, queue.pendingBytes());
        assertEquals(1, queue.frameCount());
        assertEquals(1, f.refCount());
        assertEquals(100, queue.lastProgressNanos(), "no byte moved, so no progress");
        full.acceptPerWrite = UNLIMITED;
        flush(full, 300);
        assertArrayEquals(ascii("hello\n"), full.bytes());
    }

    // ---- frame references -------------------------------------------------------------

    @Test
    void aFrameReturnsToThePoolOnlyWhenItsLastByteIsWritten() throws IOException {
        Frame f = frame(pattern(100, 2));
        f.retain(1);                // the queue's reference, as the broker does
        queue.enqueue(f, 0);
        f.release(pool);            // the encoder's reference
        assertEquals(1, f.refCount());
        assertEquals(0, pool.idleFrames());

        flush(new FakeChannel(99), 0);
        assertEquals(1, f.refCount(), "a partly written frame is still in use");
        assertEquals(0, pool.idleFrames());

        flush(new FakeChannel(1), 0);
        assertEquals(0, f.refCount());
        assertEquals(1, pool.idleFrames(), "the written frame went back to the pool");
        assertSame(f, pool.acquire(100), "the pool hands the recycled frame out again");
    }

    @Test
    void aSharedFrameReturnsToThePoolAfterEveryQueueHoldingItHasWrittenIt() throws IOException {
        WriteQueue other = new WriteQueue(pool);
        Frame f = frame("shared\n");
        f.retain(2);
        queue.enqueue(f, 0);
        other.enqueue(f, 0);
        f.release(pool);
        assertEquals(2, f.refCount());

        FakeChannel ch1 = new FakeChannel(UNLIMITED);
        flush(ch1, 0);
        assertEquals(1, f.refCount());
        assertEquals(0, pool.idleFrames());

        FakeChannel ch2 = new FakeChannel(UNLIMITED);
        other.flush(ch2, scratch, UNLIMITED, 0);
        assertEquals(0, f.refCount());
        assertEquals(1, pool.idleFrames());
        assertArrayEquals(ascii("shared\n"), ch1.bytes());
        assertArrayEquals(ascii("shared\n"), ch2.bytes());
    }

    @Test
    void releaseAllReturnsEveryFrameIncludingAPartlyWrittenHeadAndLeavesAReusableQueue() throws IOException {
        List<Frame> frames = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // more than the initial ring, so it grew
            Frame f = frame(pattern(50, i));
            frames.add(f);
            queue.enqueue(f, 0);
        }
        queue.appendCopy(ascii("+OK\r\n"), 0, 5, 0);
        flush(new FakeChannel(30), 0); // head partly written

        queue.releaseAll();

        assertTrue(queue.isEmpty());
        assertEquals(0, queue.pendingBytes());
        assertEquals(0, queue.frameCount());
        for (Frame f : frames) {
            assertEquals(0, f.refCount());
        }
        assertEquals(21, pool.idleFrames());

        queue.enqueue(frame("again\n"), 500);
        assertEquals(500, queue.lastProgressNanos());
        FakeChannel ch = new FakeChannel(UNLIMITED);
        flush(ch, 600);
        assertArrayEquals(ascii("again\n"), ch.bytes(), "no stale head offset survives releaseAll");
    }

    // ---- accounting ---------------------------------------------------------------------

    @Test
    void pendingBytesFollowsEnqueueAppendCopyFlushDropAndReleaseAll() throws IOException {
        queue.enqueue(frame(pattern(100, 1)), 0);
        assertEquals(100, queue.pendingBytes());
        queue.appendCopy(pattern(10, 2), 0, 10, 0);
        assertEquals(110, queue.pendingBytes());
        queue.appendCopy(pattern(10, 3), 2, 5, 0); // offset and length honoured
        assertEquals(115, queue.pendingBytes());

        assertEquals(30, flush(new FakeChannel(30), 0));
        assertEquals(85, queue.pendingBytes());

        queue.enqueue(frame(pattern(50, 4)), 0);
        queue.enqueue(frame(pattern(50, 5)), 0);
        assertEquals(185, queue.pendingBytes());

        int dropped = queue.dropOldestUnstarted(130);
        // Head (70 left, partly written) and the private 15-byte reply frame stay; both
        // 50-byte messages go (after the first, 135 is still over 130).
        assertEquals(2, dropped);
        assertEquals(85, queue.pendingBytes());

        queue.releaseAll();
        assertEquals(0, queue.pendingBytes());
    }

    // ---- appendCopy -----------------------------------------------------------------------

    @Test
    void appendCopyCoalescesRepliesIntoOnePrivateFrame() throws IOException {
        byte[] ok = ascii("+OK\r\n");
        for (int i = 0; i < 3; i++) {
            queue.appendCopy(ok, 0, ok.length, 0);
        }
        assertEquals(1, queue.frameCount());
        assertEquals(15, queue.pendingBytes());

        FakeChannel ch = new FakeChannel(UNLIMITED);
        flush(ch, 0);
        assertEquals(List.of(1), ch.buffersOffered);
        assertArrayEquals(ascii("+OK\r\n+OK\r\n+OK\r\n"), ch.bytes());
    }

    @Test
    void appendCopyNeverWritesIntoASharedFrameAndKeepsOrderAroundIt() throws IOException {
        Frame shared = frame("S1\n"); // a 128-byte pooled frame: it has room, which must not be used
        queue.appendCopy(ascii("a"), 0, 1, 0);
        queue.enqueue(shared, 0);
        queue.appendCopy(ascii("b"), 0, 1, 0);
        queue.appendCopy(ascii("c"), 0, 1, 0);
        Frame shared2 = frame("S2\n");
        queue.enqueue(shared2, 0);
        queue.appendCopy(ascii("d"), 0, 1, 0);

        assertEquals(3, shared.length(), "a shared frame is never appended to");
        assertEquals(3, shared2.length());
        assertEquals(5, queue.frameCount(), "a | S1 | bc | S2 | d");
        FakeChannel ch = new FakeChannel(UNLIMITED);
        flush(ch, 0);
        assertArrayEquals(ascii("aS1\nbcS2\nd"), ch.bytes());
    }

    @Test
    void appendCopyToAPartlyWrittenPrivateHeadKeepsEveryByteInOrder() throws IOException {
        queue.appendCopy(ascii("abcdef"), 0, 6, 0);
        FakeChannel ch = new FakeChannel(2);
        flush(ch, 0);
        queue.appendCopy(ascii("ghi"), 0, 3, 0);
        assertEquals(1, queue.frameCount());
        assertEquals(7, queue.pendingBytes());
        ch.acceptPerWrite = UNLIMITED;
        flush(ch, 0);
        assertArrayEquals(ascii("abcdefghi"), ch.bytes());
    }

    @Test
    void appendCopyThatDoesNotFitTheTailStartsANewFrame() throws IOException {
        byte[] big = pattern(500, 1);   // lands in a 512-byte frame: 12 bytes of room left
        byte[] small = pattern(20, 2);
        queue.appendCopy(big, 0, big.length, 0);
        queue.appendCopy(small, 0, small.length, 0);
        assertEquals(2, queue.frameCount());
        FakeChannel ch = new FakeChannel(UNLIMITED);
        flush(ch, 0);
        assertArrayEquals(concat(big, small), ch.bytes());
    }

    @Test
    void appendCopyOfNothingQueuesNothing() {
        queue.appendCopy(new byte[4], 0, 0, 123);
        assertTrue(queue.isEmpty());
        assertEquals(0, queue.pendingBytes());
    }

    // ---- dropOldestUnstarted ------------------------------------------------------------

    @Test
    void dropOldestUnstartedDropsWholeFramesOldestFirstUntilTheTargetIsMet() throws IOException {
        Frame a = frame(pattern(100, 1));
        Frame b = frame(pattern(100, 2));
        byte[] c = pattern(100, 3);
        byte[] d = pattern(100, 4);
        queue.enqueue(a, 0);
        queue.enqueue(b, 0);
        queue.enqueue(frame(c), 0);
        queue.enqueue(frame(d), 0);

        assertEquals(2, queue.dropOldestUnstarted(250));

        assertEquals(200, queue.pendingBytes());
        assertEquals(2, queue.droppedMessages());
        assertEquals(0, a.refCount(), "a dropped frame is released");
        assertEquals(0, b.refCount());
        FakeChannel ch = new FakeChannel(UNLIMITED);
        flush(ch, 0);
        assertArrayEquals(concat(c, d), ch.bytes());
    }

    @Test
    void dropOldestUnstartedNeverDropsAPartlyWrittenHeadAndKeepsOrder() throws IOException {
        byte[] a = pattern(100, 1);
        Frame head = frame(a);
        queue.enqueue(head, 0);
        queue.enqueue(frame(pattern(100, 2)), 0);
        queue.enqueue(frame(pattern(100, 3)), 0);
        FakeChannel ch = new FakeChannel(40);
        flush(ch, 0);

        assertEquals(2, queue.dropOldestUnstarted(0));

        assertEquals(60, queue.pendingBytes(), "only the unwritten rest of the head is left");
        assertEquals(1, queue.frameCount());
        assertEquals(1, head.refCount());
        byte[] e = pattern(30, 5);
        queue.enqueue(frame(e), 0);
        ch.acceptPerWrite = UNLIMITED;
        flush(ch, 0);
        assertArrayEquals(concat(a, e), ch.bytes(), "the peer sees the whole head, then what came after");
    }

    @Test
    void dropOldestUnstartedDoesNothingWhenTheBacklogIsWithinTarget() {
        queue.enqueue(frame(pattern(100, 1)), 0);
        assertEquals(0, queue.dropOldestUnstarted(100));
        assertEquals(100, queue.pendingBytes());
        assertEquals(0, queue.droppedMessages());
    }

    // ---- notices at the gap -------------------------------------------------------------

    @Test
    void insertFrontGoesRightAfterAPartlyWrittenHeadElseBeforeEverything() throws IOException {
        byte[] head = pattern(100, 1);
        byte[] next = pattern(50, 2);
        queue.enqueue(frame(head), 0);
        queue.enqueue(frame(next), 0);
        queue.insertFront(ascii("N1\n"), 0); // nothing written yet: goes first
        FakeChannel ch = new FakeChannel(3 + 10);
        flush(ch, 0);                          // N1 and 10 bytes of the head
        queue.insertFront(ascii("N2\n"), 0); // the head is torn: N2 must wait for its end

        assertEquals(90 + 3 + 50, queue.pendingBytes());
        ch.acceptPerWrite = UNLIMITED;
        flush(ch, 0);
        assertArrayEquals(concat(ascii("N1\n"), head, ascii("N2\n"), next), ch.bytes());
    }

    @Test
    void insertFrontIntoAnEmptyQueueStartsTheProgressClock() throws IOException {
        queue.insertFront(ascii("N\n"), 700);
        assertEquals(700, queue.lastProgressNanos());
        assertEquals(2, queue.pendingBytes());
        FakeChannel ch = new FakeChannel(UNLIMITED);
        flush(ch, 800);
        assertArrayEquals(ascii("N\n"), ch.bytes());
    }

    @Test
    void anUnsentGapNoticeDroppedWithTheNextGapCarriesItsCountIntoIt() throws IOException {
        for (int i = 0; i < 6; i++) {
            queue.enqueue(frame(pattern(100, i)), 0);
        }
        assertEquals(3, queue.dropOldestUnstarted(300));
        assertEquals(3, queue.lastGapSize());
        queue.insertGapNotice(ascii("N3\n"), 3, 0);

        int dropped = queue.dropOldestUnstarted(100); // takes the unsent notice and two messages

        assertEquals(2, dropped, "a notice is not a message");
        assertEquals(5, queue.lastGapSize(), "the new gap reports the 2 just dropped and the 3 nobody was told of");
        assertEquals(5, queue.droppedMessages());
        assertEquals(100, queue.pendingBytes());
        FakeChannel ch = new FakeChannel(UNLIMITED);
        flush(ch, 0);
        assertArrayEquals(pattern(100, 5), ch.bytes());
    }

    @Test
    void aGapNoticeAlreadySentIsNotCountedAgain() throws IOException {
        for (int i = 0; i < 4; i++) {
            queue.enqueue(frame(pattern(100, i)), 0);
        }
        queue.dropOldestUnstarted(200);
        queue.insertGapNotice(ascii("N2\n"), 2, 0);
        flush(new FakeChannel(3), 0); // the notice reached the client
        queue.enqueue(frame(pattern(100, 9)), 0);

        queue.dropOldestUnstarted(100);

        assertEquals(2, queue.lastGapSize(), "only the two messages just dropped");
    }

    // ---- gathering limits ---------------------------------------------------------------

    @Test
    void aGatheringWriteOffersAtMost1024Buffers() throws IOException {
        for (int i = 0; i < 1500; i++) {
            queue.enqueue(frame("ab\n"), 0);
        }
        FakeChannel ch = new FakeChannel(UNLIMITED);

        assertEquals(1024 * 3, flush(ch, 0));
        assertEquals(476 * 3, flush(ch, 0));

        assertEquals(List.of(1024, 476), ch.buffersOffered);
        assertTrue(queue.isEmpty());
        for (int i = 0; i < 1024; i++) {
            assertEquals(null, scratch[i], "scratch slots are cleared after each write");
        }
    }

    @Test
    void aFlushStopsAddingBuffersOnceItsByteBudgetIsOffered() throws IOException {
        for (int i = 0; i < 10; i++) {
            queue.enqueue(frame(pattern(100, i)), 0);
        }
        FakeChannel ch = new FakeChannel(UNLIMITED);
        long written = queue.flush(ch, scratch, 250, 0);
        long offered = ch.bytesOffered.get(0);
        assertTrue(offered >= 250 && offered < 250 + 100,
                "offered " + offered + " bytes for a 250-byte budget of 100-byte frames");
        assertEquals(offered, written);
        assertEquals(1000 - written, queue.pendingBytes());
    }

    // ---- progress clock -----------------------------------------------------------------

    @Test
    void lastProgressNanosMarksWhenABacklogBeganOrLastMovedABYte() throws IOException {
        queue.enqueue(frame("one\n"), 100);
        assertEquals(100, queue.lastProgressNanos(), "a new backlog starts its clock");
        queue.enqueue(frame("two\n"), 200);
        assertEquals(100, queue.lastProgressNanos(), "more backlog is not progress");

        flush(new FakeChannel(0), 300);
        assertEquals(100, queue.lastProgressNanos(), "a write that moved nothing is not progress");

        flush(new FakeChannel(1), 400);
        assertEquals(400, queue.lastProgressNanos(), "one byte is progress");

        flush(new FakeChannel(UNLIMITED), 500);
        assertTrue(queue.isEmpty());
        queue.appendCopy(ascii("x"), 0, 1, 900);
        assertEquals(900, queue.lastProgressNanos(), "appendCopy to an empty queue starts a new clock");
    }

    // ---- properties -----------------------------------------------------------------------

    /** One step of a random workload: what and a size or budget. */
    record Op(int kind, int arg) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Arbitraries.integers().between(0, 9)
                .flatMap(k -> Arbitraries.integers().between(0, 700).map(a -> new Op(k, a)));
        return op.list().ofMinSize(1).ofMaxSize(150);
    }

    /**
     * Random enqueues, partial and refused writes, drops and releases, checked against a
     * plain list model: same bytes out, same backlog, same frames left, and every frame ends
     * up back in the pool exactly once.
     */
    @Property(tries = 300)
    void behavesLikeAListOfFramesWithAHeadOffset(@ForAll("ops") List<Op> ops) throws IOException {
        setUp();
        Deque<byte[]> model = new ArrayDeque<>();
        int modelHeadOffset = 0;
        ByteArrayOutputStream expectedOut = new ByteArrayOutputStream();
        FakeChannel ch = new FakeChannel(0);
        Set<Frame> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        int seq = 0;
        for (Op op : ops) {
            if (op.kind() <= 4) {
                byte[] content = pattern(1 + op.arg() % 300, seq++);
                Frame f = frame(content);
                seen.add(f);
                queue.enqueue(f, 0);
                model.addLast(content);
            } else if (op.kind() <= 7) {
                ch.acceptPerWrite = op.kind() == 7 ? 0 : op.arg();
                long written = flush(ch, 0);
                long left = written;
                long modelPending = modelPending(model, modelHeadOffset);
                assertEquals(Math.min(ch.acceptPerWrite, modelPending), written);
                while (left > 0) {
                    byte[] head = model.peekFirst();
                    int n = (int) Math.min(left, head.length - modelHeadOffset);
                    expectedOut.write(head, modelHeadOffset, n);
                    modelHeadOffset += n;
                    left -= n;
                    if (modelHeadOffset == head.length) {
                        model.removeFirst();
                        modelHeadOffset = 0;
                    }
                }
            } else if (op.kind() == 8) {
                long target = op.arg();
                int expectedDrops = 0;
                int firstDroppable = modelHeadOffset == 0 ? 0 : 1;
                List<byte[]> list = new ArrayList<>(model);
                while (modelPending(list, modelHeadOffset) > target && list.size() > firstDroppable) {
                    list.remove(firstDroppable);
                    expectedDrops++;
                }
                model.clear();
                model.addAll(list);
                assertEquals(expectedDrops, queue.dropOldestUnstarted(target));
            } else {
                queue.releaseAll();
                model.clear();
                modelHeadOffset = 0;
            }
            assertEquals(modelPending(model, modelHeadOffset), queue.pendingBytes());
            assertEquals(model.size(), queue.frameCount());
            assertEquals(model.isEmpty(), queue.isEmpty());
            assertArrayEquals(expectedOut.toByteArray(), ch.bytes());
        }
        queue.releaseAll();
        for (Frame f : seen) {
            assertEquals(0, f.refCount());
        }
        assertEquals(distinctPooled(seen), pool.idleFrames(), "every frame back in the pool once");
    }

    private static long modelPending(Iterable<byte[]> frames, int headOffset) {
        long sum = -headOffset;
        for (byte[] f : frames) {
            sum += f.length;
        }
        return sum;
    }

    private static int distinctPooled(Set<Frame> frames) {
        int n = 0;
        for (Frame f : frames) {
            if (f.sizeClass >= 0) {
                n++;
            }
        }
        return n;
    }

    /** Replies (appendCopy) interleaved with shared frames and partial writes come out in order. */
    @Property(tries = 300)
    void repliesAndSharedFramesComeOutInTheOrderQueued(@ForAll("ops") List<Op> ops) throws IOException {
        setUp();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        FakeChannel ch = new FakeChannel(0);
        int seq = 0;
        for (Op op : ops) {
            byte[] content = pattern(1 + op.arg(), seq++);
            if (op.kind() <= 3) {
                queue.enqueue(frame(content), 0);
                expected.write(content, 0, content.length);
            } else if (op.kind() <= 6) {
                int off = op.arg() % 3 == 0 ? 0 : 1 % content.length;
                int len = content.length - off;
                queue.appendCopy(content, off, len, 0);
                expected.write(content, off, len);
            } else {
                ch.acceptPerWrite = op.arg() % 97;
                flush(ch, 0);
            }
            assertEquals(expected.size() - ch.bytes().length, queue.pendingBytes());
        }
        ch.acceptPerWrite = 13;
        flushAll(ch);
        assertArrayEquals(expected.toByteArray(), ch.bytes());
    }
}
