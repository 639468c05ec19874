package dev.driftwatch.monitor.alert.notify;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * The SSRF guard of notification channels ({@link OutboundProperties}): a channel URL's host is
 * resolved and every address it resolves to must be outside the refused ranges (or inside an allowed
 * one). Checked when a rule is saved and again right before each send, so a name that later resolves
 * elsewhere (DNS rebinding) is refused then; the JVM's DNS cache (30 s by default) serves the HTTP
 * client the same answer that was just checked.
 */
@Component
@EnableConfigurationProperties(OutboundProperties.class)
public class OutboundPolicy {

    private final Set<String> allowedHosts = new HashSet<>();
    private final List<Cidr> allowedRanges = new ArrayList<>();
    private final Set<InetAddress> own;

    /**
     * Creates the policy.
     *
     * @param properties the allow-list
     */
    public OutboundPolicy(OutboundProperties properties) {
        for (String entry : properties.allow()) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            Cidr cidr = Cidr.parse(e);
            if (cidr != null) {
                allowedRanges.add(cidr);
            } else {
                allowedHosts.add(e.toLowerCase(Locale.ROOT));
            }
        }
        this.own = ownAddresses();
    }

    /**
     * Why a URL may not be sent to, or null when it may.
     *
     * @param url the channel URL (http or https)
     * @param unresolvedIsRefused true at send time (a host that does not resolve cannot be sent to);
     *     false when saving a rule (DNS may be down for a moment; the send will check again)
     * @return the reason, naming the host but never anything learnt from it beyond its addresses
     */
    public String refusal(String url, boolean unresolvedIsRefused) {
        String host;
        try {
            host = URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return "is not a valid URL";
        }
        if (host == null) {
            return "has no host";
        }
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (allowedHosts.contains(bare.toLowerCase(Locale.ROOT))) {
            return null;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            return unresolvedIsRefused ? "host " + bare + " does not resolve" : null;
        }
        for (InetAddress a : addresses) {
            String why = refusedBecause(a);
            if (why != null) {
                return "host " + bare + " resolves to " + a.getHostAddress() + ", " + why
                        + "; allow it with driftwatch.alerts.outbound.allow";
            }
        }
        return null;
    }

    /** Why an address is refused, or null when it is not. */
    String refusedBecause(InetAddress address) {
        InetAddress a = unmapped(address);
        for (Cidr allowed : allowedRanges) {
            if (allowed.contains(a)) {
                return null;
            }
        }
        if (a.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if (a.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (a.isLinkLocalAddress()) {
            return "a link-local address (cloud metadata lives there)";
        }
        if (a.isSiteLocalAddress() || a.isMulticastAddress() || inRefusedRange(a)) {
            return "a private, shared or multicast address";
        }
        if (own.contains(a)) {
            return "an address of this service";
        }
        return null;
    }

    private static final List<Cidr> REFUSED = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("100.64.0.0/10"), Cidr.parse("192.0.0.0/24"),
            Cidr.parse("198.18.0.0/15"), Cidr.parse("240.0.0.0/4"), Cidr.parse("fc00::/7"),
            Cidr.parse("fec0::/10"), Cidr.parse("64:ff9b::/96"));

    private static boolean inRefusedRange(InetAddress a) {
        for (Cidr c : REFUSED) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** An IPv4-mapped or -compatible IPv6 address as the IPv4 address it carries. */
    private static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean prefixZero = true;
            for (int i = 0; i < 10; i++) {
                prefixZero &= b[i] == 0;
            }
            boolean mapped = prefixZero && (b[10] == (byte) 0xff && b[11] == (byte) 0xff || b[10] == 0 && b[11] == 0
                    && (b[12] != 0 || b[13] != 0));
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    return a;
                }
            }
        }
        return a;
    }

    private static Set<InetAddress> ownAddresses() {
        Set<InetAddress> out = new HashSet<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                out.addAll(Collections.list(ni.getInetAddresses()).stream().map(OutboundPolicy::stripScope).toList());
            }
        } catch (SocketException e) {
            // no interface list: loopback and private ranges are refused anyway
        }
        return out;
    }

    private static InetAddress stripScope(InetAddress a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException e) {
            return a;
        }
    }

    /** An address range. */
    record Cidr(byte[] network, int bits) {

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            String addr = slash < 0 ? text : text.substring(0, slash);
            if (!addr.matches("[0-9.]+") && !addr.contains(":")) {
                return null; // a host name
            }
            try {
                byte[] bytes = InetAddress.getByName(addr).getAddress();
                int bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(text.substring(slash + 1));
                return new Cidr(bytes, bits);
            } catch (UnknownHostException | NumberFormatException e) {
                return null;
            }
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }
}
