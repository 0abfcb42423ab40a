// buildTrainingStep (see training_step.h): the training pipeline over a copy of the entry.
#include "compiler/autodiff/training_step.h"
#include "compiler/ir/verifier.h"
#include "compiler/passes/pipelines.h"

namespace llie {

Expected<Graph> buildTrainingStep(const Graph& elaborated, const TrainingStepOptions& opt,
                                  const PassOptions& passes, const SourceManager* sm) {
  Graph g = elaborated;
  g.kind = GraphKind::Training;
  LLIE_RETURN_IF_ERROR(runPipeline(g, trainingPipeline(opt), passes, sm, opt));
  LLIE_RETURN_IF_ERROR(verifyGraph(g));
  return g;
}

} // namespace llie
