package dev.amalgam.plan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.amalgam.config.MergeConfiguration;
import dev.amalgam.merge.MergeMethod;
import java.util.List;

/**
 * The whole merge, decided before any tensor data is read: the models, every output tensor with its inputs and
 * parameters, and the output config.json.
 *
 * @param outputLayers the output model's layer count
 * @param sideInputs   the side-input files the method reads (Fisher, Gram, optimizer state), if any
 */
public record MergePlan(MergeConfiguration config, MergeMethod method, List<LoadedModel> models,
                        LoadedModel donor, List<TensorJob> jobs, int outputLayers, ObjectNode outputConfig,
                        List<String> warnings, long seed, SideInputFiles sideInputs) implements AutoCloseable {

    public MergePlan(MergeConfiguration config, MergeMethod method, List<LoadedModel> models, LoadedModel donor,
                     List<TensorJob> jobs, int outputLayers, ObjectNode outputConfig, List<String> warnings,
                     long seed) {
        this(config, method, models, donor, jobs, outputLayers, outputConfig, warnings, seed, SideInputFiles.NONE);
    }

    public long bytesToRead() {
        return jobs.stream().mapToLong(TensorJob::inputBytes).sum();
    }

    public long bytesToWrite() {
        return jobs.stream().mapToLong(TensorJob::outputBytes).sum();
    }

    public long parameterCount() {
        return jobs.stream().mapToLong(TensorJob::numel).sum();
    }

    @Override
    public void close() {
        for (LoadedModel m : models) {
            m.folder().close();
        }
        sideInputs.close();
    }
}
