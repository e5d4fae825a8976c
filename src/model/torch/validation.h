// Validation Recall@k of a network being trained: exact top-k over all items
// by one GEMM per block of users, items the user already had excluded.
// Internal (LibTorch types).
#pragma once

#include "model/torch/native_model.h"
#include "model/core/training_data.h"

namespace invr::model {

double validation_recall(TwoTowerNet& net, const TrainingData& data, const ItemCatalog& catalog,
                         const IdMap& items, const ModelConfig& config);

}  // namespace invr::model
