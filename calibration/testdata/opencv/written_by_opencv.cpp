// Writes the FileStorage fixtures of this directory with OpenCV itself, so
// that the tests check the reader against what cv::FileStorage really
// emits. Build and run from this directory:
//
//	g++ -o /tmp/w written_by_opencv.cpp $(pkg-config --cflags --libs opencv4) && /tmp/w
#include <opencv2/core.hpp>

int main() {
  cv::Mat K = (cv::Mat_<double>(3, 3) << 1234.5678901234567, 0.25, 640.125, 0, 1236.75, 360.5, 0, 0, 1);
  cv::Mat D = (cv::Mat_<double>(1, 5) << -0.1234567890123, 0.05, 1e-4, -2e-5, 0.0123);
  cv::Mat R = (cv::Mat_<double>(3, 3) << 0, -1, 0, 0, 0, -1, 1, 0, 0);  // x forward, z up
  cv::Mat T = (cv::Mat_<double>(3, 1) << 0.1, -0.2, 3.3);
  for (const char* out : {"multi.yml", "multi.xml"}) {
    cv::FileStorage fs(out, cv::FileStorage::WRITE);
    fs.writeComment("the project's multi-camera layout, written by cv::FileStorage");
    fs << "camera_count" << 1 << "world" << "z up, metres";
    fs << "cam_0_name" << "left cam" << "cam_0_size" << std::vector<int>{1280, 720};
    fs << "cam_0_K" << K << "cam_0_dist" << D << "cam_0_fisheye" << false;
    fs << "cam_0_R" << R << "cam_0_T" << T << "cam_0_rms" << 0.3125;
    // Keys the reader must skip: a nested map holding a mixed sequence.
    fs << "extra" << "{" << "a" << 1 << "list" << "[" << 1 << 2.5 << "{" << "x" << "y" << "}" << "]" << "}";
  }
  {
    // OpenCV's calibration sample (camera_calibration.cpp), fisheye.
    cv::FileStorage fs("single_fisheye.yml", cv::FileStorage::WRITE);
    fs << "calibration_time" << "Mon 01 Jan 2024 00:00:00";
    fs << "image_width" << 1920 << "image_height" << 1080;
    fs << "flags" << 0 << "fisheye_model" << true;
    fs << "camera_matrix" << K;
    fs << "distortion_coefficients" << (cv::Mat_<double>(4, 1) << 0.05, -0.01, 0.002, -0.0003);
    fs << "avg_reprojection_error" << 0.42;
  }
  {
    // OpenCV's stereo sample (stereo_calib.cpp), both files' keys in one.
    cv::FileStorage fs("stereo.xml", cv::FileStorage::WRITE);
    fs << "M1" << K << "D1" << D << "M2" << K << "D2" << D;
    fs << "R" << R << "T" << T;
  }
}
