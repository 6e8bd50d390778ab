package io.hydra.runtime.container;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.hydra.runtime.HydraException;
import io.hydra.runtime.image.ImageConfig;
import io.hydra.runtime.image.StoredImage;

/**
 * The process of a container made from an image, by docker's rules: the image's config says what to run and how,
 * the run flags override it.
 * <ul>
 *   <li>args: the Entrypoint, then the run's args if any were given, else the image's Cmd;</li>
 *   <li>env: the image's Env, then each {@code -e} replacing the entry of its key (in place) or appended;</li>
 *   <li>working directory: {@code -w}, else the image's WorkingDir, else the default ({@code /});</li>
 *   <li>user: {@code -u}, else the image's User, else the default (root); a name is resolved later, in the
 *       container's own /etc/passwd;</li>
 *   <li>labels (in the record, see {@link #labels}): the image's Labels, then each {@code --label} replacing the one
 *       of its key.</li>
 * </ul>
 */
public final class ImageProcess {
    private ImageProcess() {
    }

    /**
     * The create request as it applies to {@code image}: a copy of {@code spec} whose args, env, workdir and user
     * are the effective ones, which the generated config then uses as it would a {@code --rootfs} request's.
     */
    public static CreateSpec apply(StoredImage image, CreateSpec spec) {
        ImageConfig config = image.config();
        String what = "image " + describe(image, spec);
        List<String> args = new ArrayList<>(config.entrypoint());
        args.addAll(spec.args().isEmpty() ? config.cmd() : spec.args());
        if (args.isEmpty()) {
            throw HydraException.invalid(what + " has no command (its config has no Entrypoint and no Cmd): give"
                    + " one after the image, as in hydra run " + spec.image() + " CMD [ARG...]");
        }
        if (args.get(0).isEmpty()) {
            throw HydraException.invalid(what + ": the command to run is an empty string");
        }
        String workdir = present(spec.workdir()) ? spec.workdir() : config.workingDir();
        if (!present(spec.workdir()) && present(workdir) && !workdir.startsWith("/")) {
            throw HydraException.invalid(what + ": its WorkingDir '" + workdir + "' is not an absolute path");
        }
        String user = present(spec.user()) ? spec.user() : config.user();
        return new CreateSpec(spec.name(), null, null, spec.image(), args, env(config.env(), spec.env(), what),
                spec.monitor(), spec.interactive(), spec.tty(), spec.hostNetwork(), spec.memoryBytes(),
                spec.cpuMillis(), spec.volumes(), present(workdir) ? workdir : null, present(user) ? user : null,
                spec.labels(), spec.restart(), spec.autoRemove(), spec.constraints());
    }

    /**
     * The container's labels as the record keeps them: the image's, then each {@code --label} replacing the one of
     * its key. Only the run's own labels go into the OCI config ({@link #apply} keeps them alone): a restore on a
     * node without the container's record refuses a config carrying annotations it cannot vouch for, and an image's
     * labels would then keep every container of it from moving.
     */
    public static Map<String, String> labels(StoredImage image, CreateSpec spec) {
        Map<String, String> labels = new LinkedHashMap<>(image.config().labels());
        labels.putAll(spec.labels());
        return labels;
    }

    /** The image's Env with each override replacing the entry of its key where it stands, or appended. */
    static List<String> env(List<String> imageEnv, List<String> overrides, String what) {
        Map<String, String> byKey = new LinkedHashMap<>();
        for (String entry : imageEnv) {
            byKey.put(key(entry, what + ": its Env entry"), entry);
        }
        for (String entry : overrides) {
            byKey.put(key(entry, "environment entry"), entry);
        }
        return List.copyOf(byKey.values());
    }

    private static String key(String entry, String where) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw HydraException.invalid(where + " '" + entry + "' is not KEY=VALUE");
        }
        return entry.substring(0, eq);
    }

    private static String describe(StoredImage image, CreateSpec spec) {
        String ref = present(spec.image()) ? spec.image() : image.ref();
        return ref == null ? image.manifestDigest() : ref + " (" + image.manifestDigest() + ")";
    }

    private static boolean present(String s) {
        return s != null && !s.isEmpty();
    }
}
