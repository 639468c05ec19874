package dev.driftwatch.examples.docs;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code console} block of the docs: commands after a {@code $ } prompt (a line ending in
 * {@code \} continues on the next), each followed by the output it prints. The output shown is
 * compared with the real one (JSON output as a {@link JsonTemplate}); a command shown without
 * output is only required to succeed. A command must exit with status 0 unless the next command is
 * {@code echo $?}, which then shows the status.
 *
 * @param commands the commands, in order
 */
record ConsoleExample(List<Command> commands) {

    /**
     * One command.
     *
     * @param line the command line (continuations joined)
     * @param output the output shown, or "" when none is shown
     */
    record Command(String line, String output) {

        /** @return whether this command shows the previous one's exit status */
        boolean showsStatus() {
            return line.strip().equals("echo $?");
        }
    }

    /**
     * Parses a block.
     *
     * @param text the block's content
     * @return the commands
     * @throws IllegalArgumentException when the block does not start with a {@code $ } prompt
     */
    static ConsoleExample parse(String text) {
        List<Command> commands = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length && lines[i].isBlank()) {
            i++;
        }
        while (i < lines.length) {
            if (!lines[i].startsWith("$ ")) {
                throw new IllegalArgumentException("a console block shows commands after '$ ', not: " + lines[i]);
            }
            StringBuilder cmd = new StringBuilder(lines[i].substring(2));
            while (cmd.toString().endsWith("\\") && i + 1 < lines.length) {
                i++;
                cmd.append('\n').append(lines[i]);
            }
            i++;
            StringBuilder out = new StringBuilder();
            while (i < lines.length && !lines[i].startsWith("$ ")) {
                out.append(lines[i]).append('\n');
                i++;
            }
            commands.add(new Command(cmd.toString(), out.toString().strip()));
        }
        return new ConsoleExample(List.copyOf(commands));
    }
}
