package io.hydra.spi.process;

import java.time.Duration;

/** A command ran past its deadline; its whole process group was killed. Carries what it printed until then. */
public class DeadlineExceededException extends ProcessException {
    private final transient ProcessSpec spec;
    private final String stdout;
    private final String stderr;

    public DeadlineExceededException(ProcessSpec spec, String stdout, String stderr) {
        super(spec.program() + " did not finish within " + Deadlines.format(spec.deadline())
                + " and was killed with its whole process group");
        this.spec = spec;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    public ProcessSpec spec() {
        return spec;
    }

    public Duration deadline() {
        return spec.deadline();
    }

    public String stdout() {
        return stdout;
    }

    public String stderr() {
        return stderr;
    }
}
