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
 */
public record MergePlan(MergeConfiguration config, MergeMethod method, List<LoadedModel> models,
                        LoadedModel donor, List<TensorJob> jobs, int outputLayers, ObjectNode outputConfig,
                        List<String> warnings, long seed) implements AutoCloseable {

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
    }
}
