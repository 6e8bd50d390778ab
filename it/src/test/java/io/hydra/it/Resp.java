package io.hydra.it;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A Redis client of a few lines: RESP arrays of bulk strings out, simple replies back; pipelining by batches. */
public final class Resp implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    Resp(int port) throws IOException {
        this("127.0.0.1", port);
    }

    /** A client of the Redis at {@code host} (a node's address, for a server that moved with its container). */
    public Resp(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(30_000);
        out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    static boolean answers(int port) {
        return answers("127.0.0.1", port);
    }

    public static boolean answers(String host, int port) {
        try (Resp r = new Resp(host, port)) {
            return r.call("PING").equals("PONG");
        } catch (IOException e) {
            return false;
        }
    }

    public String call(String... args) throws IOException {
        send(args);
        out.flush();
        return reply();
    }

    /** Sends every command, then reads every reply: thousands of keys in one round trip's time. */
    public List<String> pipeline(List<String[]> commands) throws IOException {
        for (String[] c : commands) {
            send(c);
        }
        out.flush();
        List<String> replies = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            replies.add(reply());
        }
        return replies;
    }

    private void send(String... args) throws IOException {
        StringBuilder b = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            b.append('$').append(bytes.length).append("\r\n").append(a).append("\r\n");
        }
        out.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** +OK, :42, $n bulk (null as "(nil)"), -ERR as "ERR ...". */
    private String reply() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed by the server");
        }
        String line = line();
        switch (type) {
            case '+', ':', '-' -> {
                return line;
            }
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return "(nil)";
                }
                byte[] data = in.readNBytes(n + 2);
                return new String(data, 0, n, StandardCharsets.UTF_8);
            }
            default -> throw new IOException("unexpected reply type " + (char) type + line);
        }
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\r') {
            b.append((char) c);
        }
        in.read();
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
