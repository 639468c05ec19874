package dev.driftwatch.plugin.ship;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A second process for {@link SpoolTest}: takes the spool directory's lock and keeps it, as a job stopped
 * (or hung on a network file system) in the middle of an append does.
 */
public final class SpoolLockHolderMain {

    private SpoolLockHolderMain() {}

    /**
     * Holds the lock.
     *
     * @param args the spool directory, how many seconds to hold it
     * @throws Exception when the lock cannot be taken
     */
    public static void main(String[] args) throws Exception {
        Path marker = Path.of(args[0]).resolve(Spool.MARKER);
        try (FileChannel channel = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.parseLong(args[1]) * 1000);
        }
    }
}
